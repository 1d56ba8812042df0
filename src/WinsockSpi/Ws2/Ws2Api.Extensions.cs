using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

// WSAIoctl and the extension functions of mswsock: AcceptEx, ConnectEx, DisconnectEx, GetAcceptExSockaddrs (EXT-1, EXT-2).
public sealed partial class Ws2Api
{
    /// <summary>
    /// WSAIoctl: SIO_GET_EXTENSION_FUNCTION_POINTER gives the extension function named by the GUID in
    /// <paramref name="lpvInBuffer"/>, bound to the socket's provider (WSPIoctl, EXT-1); FIONBIO sets the blocking mode.
    /// </summary>
    /// <param name="s">A SOCKET of the provider whose function is wanted.</param>
    /// <param name="dwIoControlCode">SIO_GET_EXTENSION_FUNCTION_POINTER or FIONBIO.</param>
    /// <param name="lpvInBuffer">The GUID (WSAID_ACCEPTEX, WSAID_CONNECTEX, WSAID_DISCONNECTEX, WSAID_GETACCEPTEXSOCKADDRS),
    /// or the FIONBIO argument (<see cref="uint"/>).</param>
    /// <param name="lpvOutBuffer">The function: an <see cref="LPFN_ACCEPTEX"/>, <see cref="LPFN_CONNECTEX"/>,
    /// <see cref="LPFN_DISCONNECTEX"/> or <see cref="LPFN_GETACCEPTEXSOCKADDRS"/>; <see langword="null"/> for FIONBIO or on failure.</param>
    /// <param name="lpcbBytesReturned">Set to the size of a function pointer for a function, 0 for FIONBIO.</param>
    /// <param name="lpOverlapped">Accepted and unused: these controls complete at once and notify nothing.</param>
    /// <param name="lpCompletionRoutine">Accepted and unused, as <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL (an unknown GUID or control code).</returns>
    public int WSAIoctl(nuint s, uint dwIoControlCode, object? lpvInBuffer, out object? lpvOutBuffer, ref int lpcbBytesReturned, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        lpvOutBuffer = null;
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (dwIoControlCode == Ws2Constants.SIO_GET_EXTENSION_FUNCTION_POINTER && lpvInBuffer is Guid id && id == ExtensionFunctions.WSAID_GETACCEPTEXSOCKADDRS)
        {
            lpvOutBuffer = (LPFN_GETACCEPTEXSOCKADDRS)GetAcceptExSockaddrs; // needs no provider: it only reads a buffer
            lpcbBytesReturned = IntPtr.Size;
            SetLastError(WsaError.Success);
            return 0;
        }

        var result = provider!.Provider.Ioctl(new SocketHandle(s), dwIoControlCode, lpvInBuffer);
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        lpvOutBuffer = result.Value switch
        {
            AcceptExFunction f => WrapAcceptEx(f),
            ConnectExFunction f => WrapConnectEx(f),
            DisconnectExFunction f => WrapDisconnectEx(f),
            var other => other,
        };
        lpcbBytesReturned = lpvOutBuffer is Delegate ? IntPtr.Size : 0;
        SetLastError(WsaError.Success);
        return 0;
    }

    /// <summary>
    /// AcceptEx (mswsock): gets the function from the listening socket's provider (as mswsock does through WSAIoctl) and
    /// calls it: waits, overlapped, for a connection and gives it to <paramref name="sAcceptSocket"/>; with a receive
    /// length it completes with the connection's first data (EXT-1). Closing the listener aborts it with
    /// WSA_OPERATION_ABORTED and notification; the final WSACleanup aborts it silently (EXT-2).
    /// </summary>
    /// <param name="sListenSocket">The listening SOCKET; the operation's packet goes to its completion port.</param>
    /// <param name="sAcceptSocket">A new SOCKET, neither bound nor connected.</param>
    /// <param name="lpOutputBuffer">The first data (<paramref name="dwReceiveDataLength"/> bytes), then the local and
    /// remote address areas (read them with <see cref="GetAcceptExSockaddrs"/>).</param>
    /// <param name="dwReceiveDataLength">0 to complete on the connection alone.</param>
    /// <param name="dwLocalAddressLength">At least 16 more than the SOCKADDR size (32 for IPv4).</param>
    /// <param name="dwRemoteAddressLength">At least 16 more than the SOCKADDR size (32 for IPv4).</param>
    /// <param name="lpdwBytesReceived">Set to the bytes received when it completes at once.</param>
    /// <param name="lpOverlapped">The overlapped object (required).</param>
    /// <returns>
    /// TRUE when it completed at once (a connection, and its data if asked for, were waiting; still notified, OVL-1);
    /// otherwise FALSE with the last error: WSA_IO_PENDING (started), or WSANOTINITIALISED, WSAENOTSOCK,
    /// WSA_INVALID_PARAMETER, WSAEFAULT, WSAEINVAL, WSAEISCONN as <see cref="ProviderRuntime.AcceptEx"/> lists them.
    /// </returns>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public bool AcceptEx(nuint sListenSocket, nuint sAcceptSocket, Memory<byte> lpOutputBuffer, int dwReceiveDataLength, int dwLocalAddressLength, int dwRemoteAddressLength, ref int lpdwBytesReceived, WsaOverlapped? lpOverlapped)
        => GetFunction<AcceptExFunction>(sListenSocket, ExtensionFunctions.WSAID_ACCEPTEX) is { } f
            && Extended(f(new SocketHandle(sListenSocket), new SocketHandle(sAcceptSocket), lpOutputBuffer, dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength, lpOverlapped), ref lpdwBytesReceived);

    /// <summary>
    /// ConnectEx (mswsock): connects a bound stream socket, overlapped, then sends <paramref name="lpSendBuffer"/> (EXT-1).
    /// </summary>
    /// <param name="s">A bound, unconnected SOCKET.</param>
    /// <param name="name">Where to connect.</param>
    /// <param name="lpSendBuffer">Data to send once connected (may be empty).</param>
    /// <param name="lpdwBytesSent">Set to the bytes sent when it completes at once.</param>
    /// <param name="lpOverlapped">The overlapped object (required).</param>
    /// <returns>
    /// TRUE when connected and sent at once (still notified); otherwise FALSE with the last error: WSA_IO_PENDING (started;
    /// a refused connection completes with WSAECONNREFUSED), WSAEFAULT (no address), or an error of
    /// <see cref="ProviderRuntime.ConnectEx"/> (WSAEINVAL for an unbound socket, WSAEISCONN, ...).
    /// </returns>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public bool ConnectEx(nuint s, EndPoint? name, ReadOnlyMemory<byte> lpSendBuffer, ref int lpdwBytesSent, WsaOverlapped? lpOverlapped)
    {
        if (GetFunction<ConnectExFunction>(s, ExtensionFunctions.WSAID_CONNECTEX) is not { } f)
        {
            return false;
        }

        return name is null ? Fail(WsaError.Fault) == 0 : Extended(f(new SocketHandle(s), name, lpSendBuffer, lpOverlapped), ref lpdwBytesSent);
    }

    /// <summary>
    /// DisconnectEx (mswsock): shuts the connection down once the data already queued is sent; with TF_REUSE_SOCKET the
    /// SOCKET may then be given to AcceptEx, or bound and given to ConnectEx (EXT-1).
    /// </summary>
    /// <param name="s">A connected SOCKET.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/> to wait until done.</param>
    /// <param name="dwFlags">0 or TF_REUSE_SOCKET.</param>
    /// <param name="dwReserved">Must be 0.</param>
    /// <returns>
    /// TRUE when done at once; otherwise FALSE with the last error: WSA_IO_PENDING (started), WSAEINVAL (other flags, a
    /// non-zero <paramref name="dwReserved"/>), or an error of <see cref="ProviderRuntime.DisconnectEx"/>.
    /// </returns>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    public bool DisconnectEx(nuint s, WsaOverlapped? lpOverlapped, int dwFlags, int dwReserved)
    {
        if (GetFunction<DisconnectExFunction>(s, ExtensionFunctions.WSAID_DISCONNECTEX) is not { } f)
        {
            return false;
        }

        int ignored = 0;
        return dwReserved != 0 ? Fail(WsaError.InvalidArgument) == 0 : Extended(f(new SocketHandle(s), lpOverlapped, dwFlags), ref ignored);
    }

    /// <summary>GetAcceptExSockaddrs (mswsock): reads the local and remote addresses a completed AcceptEx wrote after its data.</summary>
    /// <param name="lpOutputBuffer">The AcceptEx output buffer.</param>
    /// <param name="dwReceiveDataLength">The receive length given to AcceptEx.</param>
    /// <param name="dwLocalAddressLength">The local address length given to AcceptEx.</param>
    /// <param name="dwRemoteAddressLength">The remote address length given to AcceptEx.</param>
    /// <param name="LocalSockaddr">The local address; <see langword="null"/> when the buffer holds none.</param>
    /// <param name="LocalSockaddrLength">Its SOCKADDR length (16 for IPv4, 28 for IPv6; 0 when none).</param>
    /// <param name="RemoteSockaddr">The remote address; <see langword="null"/> when none.</param>
    /// <param name="RemoteSockaddrLength">Its SOCKADDR length.</param>
    /// <remarks>Returns nothing, as the C function; it reads only the buffer and needs no started Winsock.</remarks>
    [SuppressMessage("Style", "IDE1006", Justification = "The parameter names of the C function.")]
    [SuppressMessage("Performance", "CA1822", Justification = "An instance member, as every function of the C API on this type.")]
    public void GetAcceptExSockaddrs(ReadOnlyMemory<byte> lpOutputBuffer, int dwReceiveDataLength, int dwLocalAddressLength, int dwRemoteAddressLength, out EndPoint? LocalSockaddr, out int LocalSockaddrLength, out EndPoint? RemoteSockaddr, out int RemoteSockaddrLength)
    {
        AcceptExAddresses.TryRead(lpOutputBuffer.Span, dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength, out var local, out var remote);
        LocalSockaddr = local;
        RemoteSockaddr = remote;
        LocalSockaddrLength = SockaddrLength(local);
        RemoteSockaddrLength = SockaddrLength(remote);
    }

    private static int SockaddrLength(IPEndPoint? ep) => ep is null ? 0 : ep.AddressFamily == AddressFamily.InterNetworkV6 ? 28 : 16;

    /// <summary>The function of <paramref name="id"/> from the provider of <paramref name="s"/>, or null with the last error set.</summary>
    private T? GetFunction<T>(nuint s, Guid id)
        where T : Delegate
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            Fail(error);
            return null;
        }

        var result = provider!.Provider.Ioctl(new SocketHandle(s), ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER, id);
        if (result.IsSuccess && result.Value is T f)
        {
            return f;
        }

        Fail(result.IsSuccess ? WsaError.InvalidArgument : result.Error);
        return null;
    }

    /// <summary>The BOOL shape of an extension function: TRUE with the count, or FALSE with the error (WSA_IO_PENDING included) as last error.</summary>
    private bool Extended(SpiResult<int> result, ref int bytes)
    {
        if (!result.IsSuccess)
        {
            SetLastError(result.Error);
            return false;
        }

        bytes = result.Value;
        SetLastError(WsaError.Success);
        return true;
    }

    private LPFN_ACCEPTEX WrapAcceptEx(AcceptExFunction f)
        => (nuint sListenSocket, nuint sAcceptSocket, Memory<byte> lpOutputBuffer, int dwReceiveDataLength, int dwLocalAddressLength, int dwRemoteAddressLength, ref int lpdwBytesReceived, WsaOverlapped? lpOverlapped)
            => Extended(f(new SocketHandle(sListenSocket), new SocketHandle(sAcceptSocket), lpOutputBuffer, dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength, lpOverlapped), ref lpdwBytesReceived);

    private LPFN_CONNECTEX WrapConnectEx(ConnectExFunction f)
        => (nuint s, EndPoint? name, ReadOnlyMemory<byte> lpSendBuffer, ref int lpdwBytesSent, WsaOverlapped? lpOverlapped)
            => name is null ? Fail(WsaError.Fault) == 0 : Extended(f(new SocketHandle(s), name, lpSendBuffer, lpOverlapped), ref lpdwBytesSent);

    private LPFN_DISCONNECTEX WrapDisconnectEx(DisconnectExFunction f)
        => (nuint s, WsaOverlapped? lpOverlapped, int dwFlags, int dwReserved) =>
        {
            int ignored = 0;
            return dwReserved != 0 ? Fail(WsaError.InvalidArgument) == 0 : Extended(f(new SocketHandle(s), lpOverlapped, dwFlags), ref ignored);
        };
}
