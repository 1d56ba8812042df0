using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

// The datagram entries of the proc table, forwarded as the others are (LayeredProvider.Forwarding.cs).
public sealed partial class LayeredProvider
{
    /// <inheritdoc cref="ProviderRuntime.SendTo"/>
    /// <remarks>Forwarded to the lower provider with the same address, overlapped object and routine; the interceptor sees the byte count.</remarks>
    public SpiResult<int> SendTo(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.SendTo, socket, data.Length, overlapped);
        return f.Lower is { } lower ? Done(in f, lower.SendTo(socket, data, destination, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.ReceiveFrom"/>
    /// <remarks>Forwarded to the lower provider with the same source buffer, overlapped object and routine; the interceptor sees the byte count.</remarks>
    public SpiResult<int> ReceiveFrom(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.ReceiveFrom, socket, buffer.Length, overlapped);
        return f.Lower is { } lower ? Done(in f, lower.ReceiveFrom(socket, buffer, from, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.SendToBuffers"/>
    /// <remarks>Forwarded to the lower provider with the same buffers, address, overlapped object and routine; the interceptor sees the bytes of the buffers together (<see cref="int.MaxValue"/> when they add up to more).</remarks>
    public SpiResult<int> SendToBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.SendToBuffers, socket, WsaBuf.TotalLengthSaturated(buffers.Span), overlapped);
        return f.Lower is { } lower ? Done(in f, lower.SendToBuffers(socket, buffers, destination, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.ReceiveFromBuffers"/>
    /// <remarks>Forwarded to the lower provider with the same buffers, source buffer, overlapped object and routine; the interceptor sees the bytes of the buffers together (<see cref="int.MaxValue"/> when they add up to more).</remarks>
    public SpiResult<int> ReceiveFromBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.ReceiveFromBuffers, socket, WsaBuf.TotalLengthSaturated(buffers.Span), overlapped);
        return f.Lower is { } lower ? Done(in f, lower.ReceiveFromBuffers(socket, buffers, from, overlapped, routine)) : Refused(in f);
    }
}
