using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

// The observed entries of select, the datagram calls, window messages, socket options and scatter/gather, in the
// pattern of ProviderRuntime.Observed.cs: with nobody observing, one check more than the call.
public sealed partial class ProviderRuntime
{
    /// <inheritdoc cref="SelectCore"/>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The entry keeps the name of WSPSelect, as every other entry keeps its SPI name.")]
    public SpiResult<int> Select(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout)
    {
        if (!IsObserved)
        {
            return SelectCore(checkRead, checkWrite, checkError, timeout);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Select, null, out var fault))
        {
            return fault;
        }

        // The sets are described before the call, which leaves only the ready handles in them.
        string detail = string.Create(CultureInfo.InvariantCulture, $"{checkRead?.Count ?? 0} read, {checkWrite?.Count ?? 0} write, {checkError?.Count ?? 0} error, timeout {(timeout is { } t && t != Timeout.InfiniteTimeSpan ? t.TotalMilliseconds + " ms" : "none")}");
        var result = SelectCore(checkRead, checkWrite, checkError, timeout);
        Observe(SpiCall.Select, null, result.Error, result.IsSuccess ? result.Value : null, detail);
        return result;
    }

    /// <inheritdoc cref="SendToCore"/>
    public SpiResult<int> SendTo(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return SendToCore(socket, data, destination, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SendTo, socket, out var fault))
        {
            return fault;
        }

        var result = SendToCore(socket, data, destination, overlapped, routine);
        ObserveTransfer(SpiCall.SendTo, socket, overlapped is not null, result, sent: true, data.Length + " bytes to " + (destination?.ToString() ?? "the connected address"));
        return result;
    }

    /// <inheritdoc cref="ReceiveFromCore"/>
    public SpiResult<int> ReceiveFrom(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return ReceiveFromCore(socket, buffer, from, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.ReceiveFrom, socket, out var fault))
        {
            return fault;
        }

        var result = ReceiveFromCore(socket, buffer, from, overlapped, routine);
        ObserveTransfer(SpiCall.ReceiveFrom, socket, buffer.Length, overlapped is not null, result);
        return result;
    }

    /// <inheritdoc cref="AsyncSelectCore"/>
    public SpiResult AsyncSelect(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events)
    {
        if (!IsObserved)
        {
            return AsyncSelectCore(socket, window, message, events);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.AsyncSelect, socket, out var fault))
        {
            return fault;
        }

        var result = AsyncSelectCore(socket, window, message, events);
        Observe(SpiCall.AsyncSelect, socket, result.Error, null, string.Create(CultureInfo.InvariantCulture, $"{events}, message {message}{(window is null ? string.Empty : $", window 0x{window.Handle:X}")}"));
        return result;
    }

    /// <inheritdoc cref="SetSocketOptionCore"/>
    public SpiResult SetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value)
    {
        if (!IsObserved)
        {
            return SetSocketOptionCore(socket, level, name, value);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SetSocketOption, socket, out var fault))
        {
            return fault;
        }

        var result = SetSocketOptionCore(socket, level, name, value);
        Observe(SpiCall.SetSocketOption, socket, result.Error, value, name.ToString());
        return result;
    }

    /// <inheritdoc cref="GetSocketOptionCore"/>
    public SpiResult<int> GetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name)
    {
        if (!IsObserved)
        {
            return GetSocketOptionCore(socket, level, name);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.GetSocketOption, socket, out var fault))
        {
            return fault;
        }

        var result = GetSocketOptionCore(socket, level, name);
        Observe(SpiCall.GetSocketOption, socket, result.Error, result.IsSuccess ? result.Value : null, name.ToString());
        return result;
    }

    /// <inheritdoc cref="GetLingerCore"/>
    public SpiResult<LingerState> GetLinger(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return GetLingerCore(socket);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.GetLinger, socket, out var fault))
        {
            return fault;
        }

        var result = GetLingerCore(socket);
        Observe(SpiCall.GetLinger, socket, result.Error, null, result.IsSuccess ? "SO_LINGER " + result.Value : "SO_LINGER");
        return result;
    }

    /// <inheritdoc cref="SetCompletionNotificationModesCore"/>
    public SpiResult SetCompletionNotificationModes(SocketHandle socket, CompletionNotificationModes modes)
    {
        if (!IsObserved)
        {
            return SetCompletionNotificationModesCore(socket, modes);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SetCompletionNotificationModes, socket, out var fault))
        {
            return fault;
        }

        var result = SetCompletionNotificationModesCore(socket, modes);
        Observe(SpiCall.SetCompletionNotificationModes, socket, result.Error, null, modes.ToString());
        return result;
    }

    /// <inheritdoc cref="SendBuffersCore"/>
    public SpiResult<int> SendBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return SendBuffersCore(socket, buffers, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SendBuffers, socket, out var fault))
        {
            return fault;
        }

        var result = SendBuffersCore(socket, buffers, overlapped, routine);
        ObserveTransfer(SpiCall.SendBuffers, socket, overlapped is not null, result, sent: true, string.Create(CultureInfo.InvariantCulture, $"{WsaBuf.TotalLength64(buffers.Span)} bytes offered in {buffers.Length} buffers"));
        return result;
    }

    /// <inheritdoc cref="ReceiveBuffersCore"/>
    public SpiResult<int> ReceiveBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return ReceiveBuffersCore(socket, buffers, flags, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.ReceiveBuffers, socket, out var fault))
        {
            return fault;
        }

        var result = ReceiveBuffersCore(socket, buffers, flags, overlapped, routine);
        string detail = string.Create(CultureInfo.InvariantCulture, $"{WsaBuf.TotalLength64(buffers.Span)} bytes offered in {buffers.Length} buffers{(flags == SocketFlags.None ? string.Empty : ", " + flags)}");
        ObserveTransfer(SpiCall.ReceiveBuffers, socket, overlapped is not null, result, sent: false, detail);
        return result;
    }

    /// <inheritdoc cref="SendToBuffersCore"/>
    public SpiResult<int> SendToBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return SendToBuffersCore(socket, buffers, destination, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SendToBuffers, socket, out var fault))
        {
            return fault;
        }

        var result = SendToBuffersCore(socket, buffers, destination, overlapped, routine);
        string detail = string.Create(CultureInfo.InvariantCulture, $"{WsaBuf.TotalLength64(buffers.Span)} bytes in {buffers.Length} buffers to {destination?.ToString() ?? "the connected address"}");
        ObserveTransfer(SpiCall.SendToBuffers, socket, overlapped is not null, result, sent: true, detail);
        return result;
    }

    /// <inheritdoc cref="ReceiveFromBuffersCore"/>
    public SpiResult<int> ReceiveFromBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return ReceiveFromBuffersCore(socket, buffers, from, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.ReceiveFromBuffers, socket, out var fault))
        {
            return fault;
        }

        var result = ReceiveFromBuffersCore(socket, buffers, from, overlapped, routine);
        string detail = string.Create(CultureInfo.InvariantCulture, $"{WsaBuf.TotalLength64(buffers.Span)} bytes offered in {buffers.Length} buffers");
        ObserveTransfer(SpiCall.ReceiveFromBuffers, socket, overlapped is not null, result, sent: false, detail);
        return result;
    }
}
