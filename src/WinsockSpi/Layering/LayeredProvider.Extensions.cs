using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

// The forwarded entries of the extension functions, socket options and scatter/gather (EXT-1, EXT-5).
public sealed partial class LayeredProvider
{
    /// <inheritdoc cref="ProviderRuntime.Ioctl"/>
    /// <remarks>
    /// Forwarded to the lower provider. The extension functions it returns are the lower provider's: their calls go to it
    /// directly, as a pointer obtained through a layer that does not intercept SIO_GET_EXTENSION_FUNCTION_POINTER does.
    /// </remarks>
    public SpiResult<object?> Ioctl(SocketHandle socket, uint ioControlCode, object? input)
    {
        using var f = Begin(WspEntry.Ioctl, socket);
        return f.Lower is { } lower ? Done(in f, lower.Ioctl(socket, ioControlCode, input)) : new SpiResult<object?>(Refused(in f));
    }

    /// <inheritdoc cref="ProviderRuntime.SetSocketOption"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult SetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value)
    {
        using var f = Begin(WspEntry.SetSocketOption, socket);
        return f.Lower is { } lower ? Done(in f, lower.SetSocketOption(socket, level, name, value)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.GetSocketOption"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<int> GetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name)
    {
        using var f = Begin(WspEntry.GetSocketOption, socket);
        return f.Lower is { } lower ? Done(in f, lower.GetSocketOption(socket, level, name)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.GetLinger"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<LingerState> GetLinger(SocketHandle socket)
    {
        using var f = Begin(WspEntry.GetLinger, socket);
        return f.Lower is { } lower ? Done(in f, lower.GetLinger(socket)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.SendBuffers"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<int> SendBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.SendBuffers, socket, WsaBuf.TotalLengthSaturated(buffers.Span), overlapped);
        return f.Lower is { } lower ? Done(in f, lower.SendBuffers(socket, buffers, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.ReceiveBuffers"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<int> ReceiveBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.ReceiveBuffers, socket, WsaBuf.TotalLengthSaturated(buffers.Span), overlapped);
        return f.Lower is { } lower ? Done(in f, lower.ReceiveBuffers(socket, buffers, flags, overlapped, routine)) : Refused(in f);
    }
}
