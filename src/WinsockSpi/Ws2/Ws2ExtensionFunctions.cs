using System.Diagnostics.CodeAnalysis;
using System.Net;
using WinsockSpi.Operations;

namespace WinsockSpi.Ws2;

/// <summary>LPFN_ACCEPTEX: AcceptEx as WSAIoctl hands it out at the Ws2 layer (see <see cref="Ws2Api.AcceptEx"/>).</summary>
/// <param name="sListenSocket">The listening SOCKET.</param>
/// <param name="sAcceptSocket">The SOCKET that takes the connection.</param>
/// <param name="lpOutputBuffer">The first data, then the two address areas.</param>
/// <param name="dwReceiveDataLength">The most bytes of first data to wait for (0: complete on the connection).</param>
/// <param name="dwLocalAddressLength">The local address area.</param>
/// <param name="dwRemoteAddressLength">The remote address area.</param>
/// <param name="lpdwBytesReceived">Set when it completes at once.</param>
/// <param name="lpOverlapped">The overlapped object.</param>
/// <returns>TRUE when completed at once; FALSE with the last error (WSA_IO_PENDING when started).</returns>
[SuppressMessage("Naming", "CA1707", Justification = "The name of the C type.")]
public delegate bool LPFN_ACCEPTEX(nuint sListenSocket, nuint sAcceptSocket, Memory<byte> lpOutputBuffer, int dwReceiveDataLength, int dwLocalAddressLength, int dwRemoteAddressLength, ref int lpdwBytesReceived, WsaOverlapped? lpOverlapped);

/// <summary>LPFN_CONNECTEX: ConnectEx at the Ws2 layer (see <see cref="Ws2Api.ConnectEx"/>).</summary>
/// <param name="s">A bound, unconnected SOCKET.</param>
/// <param name="name">Where to connect.</param>
/// <param name="lpSendBuffer">Data to send once connected.</param>
/// <param name="lpdwBytesSent">Set when it completes at once.</param>
/// <param name="lpOverlapped">The overlapped object.</param>
/// <returns>TRUE when completed at once; FALSE with the last error (WSA_IO_PENDING when started).</returns>
[SuppressMessage("Naming", "CA1707", Justification = "The name of the C type.")]
public delegate bool LPFN_CONNECTEX(nuint s, EndPoint? name, ReadOnlyMemory<byte> lpSendBuffer, ref int lpdwBytesSent, WsaOverlapped? lpOverlapped);

/// <summary>LPFN_DISCONNECTEX: DisconnectEx at the Ws2 layer (see <see cref="Ws2Api.DisconnectEx"/>).</summary>
/// <param name="s">A connected SOCKET.</param>
/// <param name="lpOverlapped">The overlapped object, or <see langword="null"/> to wait.</param>
/// <param name="dwFlags">0 or TF_REUSE_SOCKET.</param>
/// <param name="dwReserved">0.</param>
/// <returns>TRUE when done at once; FALSE with the last error (WSA_IO_PENDING when started).</returns>
[SuppressMessage("Naming", "CA1707", Justification = "The name of the C type.")]
public delegate bool LPFN_DISCONNECTEX(nuint s, WsaOverlapped? lpOverlapped, int dwFlags, int dwReserved);

/// <summary>LPFN_GETACCEPTEXSOCKADDRS: reads the addresses of a completed AcceptEx (see <see cref="Ws2Api.GetAcceptExSockaddrs"/>).</summary>
/// <param name="lpOutputBuffer">The AcceptEx output buffer.</param>
/// <param name="dwReceiveDataLength">The receive length given to AcceptEx.</param>
/// <param name="dwLocalAddressLength">The local address length given to AcceptEx.</param>
/// <param name="dwRemoteAddressLength">The remote address length given to AcceptEx.</param>
/// <param name="LocalSockaddr">The local address.</param>
/// <param name="LocalSockaddrLength">Its SOCKADDR length (16 for IPv4, 28 for IPv6).</param>
/// <param name="RemoteSockaddr">The remote address.</param>
/// <param name="RemoteSockaddrLength">Its SOCKADDR length.</param>
[SuppressMessage("Naming", "CA1707", Justification = "The name of the C type.")]
public delegate void LPFN_GETACCEPTEXSOCKADDRS(ReadOnlyMemory<byte> lpOutputBuffer, int dwReceiveDataLength, int dwLocalAddressLength, int dwRemoteAddressLength, out EndPoint? LocalSockaddr, out int LocalSockaddrLength, out EndPoint? RemoteSockaddr, out int RemoteSockaddrLength);
