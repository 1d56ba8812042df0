using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

// The observed entries of WSPIoctl and the extension functions it hands out (AcceptEx, ConnectEx, DisconnectEx), in the
// pattern of ProviderRuntime.Observed.cs. The functions Ioctl hands out are bound to these entries, so a call made
// through them is observed too.
public sealed partial class ProviderRuntime
{
    /// <inheritdoc cref="IoctlCore"/>
    public SpiResult<object?> Ioctl(SocketHandle socket, uint ioControlCode, object? input)
    {
        if (!IsObserved)
        {
            return IoctlCore(socket, ioControlCode, input);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Ioctl, socket, out var fault))
        {
            return new SpiResult<object?>(fault);
        }

        var result = IoctlCore(socket, ioControlCode, input);
        string detail = ioControlCode switch
        {
            ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER => "SIO_GET_EXTENSION_FUNCTION_POINTER " + (input is Guid id ? ExtensionName(id) : "(no GUID)"),
            ExtensionFunctions.FIONBIO => "FIONBIO " + input,
            _ => string.Create(CultureInfo.InvariantCulture, $"code 0x{ioControlCode:X8}"),
        };
        Observe(SpiCall.Ioctl, socket, result.Error, null, detail);
        return result;
    }

    /// <inheritdoc cref="AcceptExCore"/>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public SpiResult<int> AcceptEx(SocketHandle listenSocket, SocketHandle acceptSocket, Memory<byte> outputBuffer, int receiveDataLength, int localAddressLength, int remoteAddressLength, WsaOverlapped? overlapped)
    {
        if (!IsObserved)
        {
            return AcceptExCore(listenSocket, acceptSocket, outputBuffer, receiveDataLength, localAddressLength, remoteAddressLength, overlapped);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.AcceptEx, listenSocket, out var fault))
        {
            return fault;
        }

        var result = AcceptExCore(listenSocket, acceptSocket, outputBuffer, receiveDataLength, localAddressLength, remoteAddressLength, overlapped);
        ObserveTransfer(SpiCall.AcceptEx, listenSocket, overlapped is not null, result, sent: false, string.Create(CultureInfo.InvariantCulture, $"accept socket {acceptSocket}, {receiveDataLength} bytes of data asked"));
        return result;
    }

    /// <inheritdoc cref="ConnectExCore"/>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public SpiResult<int> ConnectEx(SocketHandle socket, EndPoint remoteEndPoint, ReadOnlyMemory<byte> sendBuffer, WsaOverlapped? overlapped)
    {
        if (!IsObserved)
        {
            return ConnectExCore(socket, remoteEndPoint, sendBuffer, overlapped);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.ConnectEx, socket, out var fault))
        {
            return fault;
        }

        var result = ConnectExCore(socket, remoteEndPoint, sendBuffer, overlapped);
        ObserveTransfer(SpiCall.ConnectEx, socket, overlapped is not null, result, sent: true, string.Create(CultureInfo.InvariantCulture, $"{remoteEndPoint}, {sendBuffer.Length} bytes to send"));
        return result;
    }

    /// <inheritdoc cref="DisconnectExCore"/>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public SpiResult<int> DisconnectEx(SocketHandle socket, WsaOverlapped? overlapped, int flags)
    {
        if (!IsObserved)
        {
            return DisconnectExCore(socket, overlapped, flags);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.DisconnectEx, socket, out var fault))
        {
            return fault;
        }

        var result = DisconnectExCore(socket, overlapped, flags);
        ObserveTransfer(SpiCall.DisconnectEx, socket, overlapped is not null, result, sent: true, flags == ExtensionFunctions.TF_REUSE_SOCKET ? "TF_REUSE_SOCKET" : "flags " + flags.ToString(CultureInfo.InvariantCulture));
        return result;
    }

    private static string ExtensionName(Guid id)
        => id == ExtensionFunctions.WSAID_ACCEPTEX ? "WSAID_ACCEPTEX"
            : id == ExtensionFunctions.WSAID_CONNECTEX ? "WSAID_CONNECTEX"
            : id == ExtensionFunctions.WSAID_DISCONNECTEX ? "WSAID_DISCONNECTEX"
            : id.ToString("B");
}
