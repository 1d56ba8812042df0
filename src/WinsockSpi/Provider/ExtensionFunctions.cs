using System.Diagnostics.CodeAnalysis;
using System.Net;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>
/// AcceptEx as a provider hands it out through WSPIoctl with SIO_GET_EXTENSION_FUNCTION_POINTER (EXT-1): waits, overlapped,
/// for a connection on <paramref name="listenSocket"/> and gives it to <paramref name="acceptSocket"/>.
/// </summary>
/// <param name="listenSocket">The listening socket; the operation and its completion-port packet belong to it.</param>
/// <param name="acceptSocket">A new socket (neither bound nor connected) that takes the connection.</param>
/// <param name="outputBuffer">Receives the first data (up to <paramref name="receiveDataLength"/> bytes), then the local
/// and the remote address (read them with <see cref="AcceptExAddresses.TryRead"/>).</param>
/// <param name="receiveDataLength">0 to complete when the connection arrives; otherwise the operation completes with the
/// connection's first data (or 0 bytes when the peer closes first).</param>
/// <param name="localAddressLength">Bytes reserved for the local address: at least 16 more than the address size.</param>
/// <param name="remoteAddressLength">Bytes reserved for the remote address: at least 16 more than the address size.</param>
/// <param name="overlapped">The overlapped object (required).</param>
/// <returns>The bytes received when it completed at once (still notified, OVL-1); WSA_IO_PENDING; or the error.</returns>
public delegate SpiResult<int> AcceptExFunction(SocketHandle listenSocket, SocketHandle acceptSocket, Memory<byte> outputBuffer, int receiveDataLength, int localAddressLength, int remoteAddressLength, WsaOverlapped? overlapped);

/// <summary>ConnectEx as handed out by WSPIoctl (EXT-1): connects a bound stream socket, overlapped, then sends the data given.</summary>
/// <param name="socket">A bound, unconnected stream socket.</param>
/// <param name="remoteEndPoint">Where to connect.</param>
/// <param name="sendBuffer">Data to send once connected (may be empty).</param>
/// <param name="overlapped">The overlapped object (required).</param>
/// <returns>The bytes sent when it completed at once (still notified, OVL-1); WSA_IO_PENDING; or the error.</returns>
public delegate SpiResult<int> ConnectExFunction(SocketHandle socket, EndPoint remoteEndPoint, ReadOnlyMemory<byte> sendBuffer, WsaOverlapped? overlapped);

/// <summary>DisconnectEx as handed out by WSPIoctl (EXT-1): shuts the connection down once the data already queued is sent.</summary>
/// <param name="socket">A connected stream socket.</param>
/// <param name="overlapped">The overlapped object, or <see langword="null"/> to wait until the disconnect is done.</param>
/// <param name="flags">0 or <see cref="ExtensionFunctions.TF_REUSE_SOCKET"/>.</param>
/// <returns>0 when done at once (an overlapped one is still notified, OVL-1); WSA_IO_PENDING; or the error.</returns>
public delegate SpiResult<int> DisconnectExFunction(SocketHandle socket, WsaOverlapped? overlapped, int flags);

/// <summary>The control codes, GUIDs and flags of the extension functions (mswsock.h), under their C names.</summary>
[SuppressMessage("Naming", "CA1707", Justification = "The constants keep the names of the Winsock headers.")]
public static class ExtensionFunctions
{
    /// <summary>SIO_GET_EXTENSION_FUNCTION_POINTER (0xC8000006): the input is a GUID, the output the function.</summary>
    public const uint SIO_GET_EXTENSION_FUNCTION_POINTER = 0xC8000006;

    /// <summary>FIONBIO (0x8004667E) as a WSPIoctl code: the input is a non-zero (non-blocking) or zero value.</summary>
    public const uint FIONBIO = 0x8004667E;

    /// <summary>TF_REUSE_SOCKET (0x02): DisconnectEx leaves the socket reusable by AcceptEx or ConnectEx.</summary>
    public const int TF_REUSE_SOCKET = 0x02;

    /// <summary>Gets WSAID_ACCEPTEX, {b5367df1-cbac-11cf-95ca-00805f48a192}.</summary>
    public static Guid WSAID_ACCEPTEX { get; } = new(0xb5367df1, 0xcbac, 0x11cf, 0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92);

    /// <summary>Gets WSAID_CONNECTEX, {25a207b9-ddf3-4660-8ee9-76e58c74063e}.</summary>
    public static Guid WSAID_CONNECTEX { get; } = new(0x25a207b9, 0xddf3, 0x4660, 0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e);

    /// <summary>Gets WSAID_DISCONNECTEX, {7fda2e11-8630-436f-a031-f536a6eec157}.</summary>
    public static Guid WSAID_DISCONNECTEX { get; } = new(0x7fda2e11, 0x8630, 0x436f, 0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57);

    /// <summary>Gets WSAID_GETACCEPTEXSOCKADDRS, {b5367df2-cbac-11cf-95ca-00805f48a192} (served by the Ws2 layer: it needs no socket).</summary>
    public static Guid WSAID_GETACCEPTEXSOCKADDRS { get; } = new(0xb5367df2, 0xcbac, 0x11cf, 0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92);
}
