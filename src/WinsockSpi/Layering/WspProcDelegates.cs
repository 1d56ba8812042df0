using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

// The entry types of a procedure table (the LPWSP... typedefs of ws2spi.h) are kept together, as the header keeps them.
namespace WinsockSpi.Layering;

/// <summary>WSPStartup (LPWSPSTARTUP): see <see cref="IWspProvider.Startup"/> (STA-1..8).</summary>
/// <param name="requested">The version asked for.</param>
/// <param name="data">WSPDATA on success.</param>
/// <param name="upcalls">The upcall table (STA-7).</param>
/// <returns>0 or the error itself.</returns>
public delegate WsaError WspStartupProc(WinsockVersion requested, out WspData data, IUpcalls? upcalls);

/// <summary>LPWSPCLEANUP: see <see cref="IWspProvider.Cleanup"/> (CLN-1..12).</summary>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspCleanupProc();

/// <summary>LPWSPSOCKET: see <see cref="IWspProvider.Socket"/>.</summary>
/// <param name="family">The address family.</param>
/// <param name="type">The socket type.</param>
/// <param name="protocol">The protocol.</param>
/// <returns>The handle or the error.</returns>
public delegate SpiResult<SocketHandle> WspSocketProc(AddressFamily family, SocketType type, ProtocolType protocol);

/// <summary>LPWSPDUPLICATESOCKET into the same process: see <see cref="IWspProvider.DuplicateSocket"/>.</summary>
/// <param name="socket">The handle.</param>
/// <returns>The new handle or the error.</returns>
public delegate SpiResult<SocketHandle> WspDuplicateSocketProc(SocketHandle socket);

/// <summary>LPWSPCLOSESOCKET: see <see cref="IWspProvider.CloseSocket"/>.</summary>
/// <param name="socket">The handle.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspCloseSocketProc(SocketHandle socket);

/// <summary>LPWSPSETSOCKOPT with SO_LINGER / SO_DONTLINGER: see <see cref="IWspProvider.SetLinger"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="enabled">l_onoff.</param>
/// <param name="seconds">l_linger.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspSetLingerProc(SocketHandle socket, bool enabled, int seconds);

/// <summary>LPWSPIOCTL with FIONBIO: see <see cref="IWspProvider.SetBlocking"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="blocking">Whether calls block.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspSetBlockingProc(SocketHandle socket, bool blocking);

/// <summary>LPWSPBIND: see <see cref="IWspProvider.Bind"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="localEndPoint">The local endpoint.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspBindProc(SocketHandle socket, EndPoint localEndPoint);

/// <summary>LPWSPLISTEN: see <see cref="IWspProvider.Listen"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="backlog">The backlog.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspListenProc(SocketHandle socket, int backlog);

/// <summary>LPWSPACCEPT: see <see cref="IWspProvider.Accept"/>.</summary>
/// <param name="socket">The listening handle.</param>
/// <returns>The new handle or the error.</returns>
public delegate SpiResult<SocketHandle> WspAcceptProc(SocketHandle socket);

/// <summary>LPWSPCONNECT: see <see cref="IWspProvider.Connect"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="remoteEndPoint">The remote endpoint.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspConnectProc(SocketHandle socket, EndPoint remoteEndPoint);

/// <summary>LPWSPSHUTDOWN: see <see cref="IWspProvider.Shutdown"/>.</summary>
/// <param name="socket">The handle.</param>
/// <param name="how">Which directions.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspShutdownProc(SocketHandle socket, SocketShutdown how);

/// <summary>LPWSPSEND: see <see cref="IWspProvider.Send"/> (OVL-1..9).</summary>
/// <param name="socket">The handle.</param>
/// <param name="data">The bytes.</param>
/// <param name="overlapped">The overlapped object, if any.</param>
/// <param name="routine">The completion routine, if any.</param>
/// <returns>The bytes sent, WSA_IO_PENDING, or the error.</returns>
public delegate SpiResult<int> WspSendProc(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped, CompletionRoutine? routine);

/// <summary>LPWSPRECV: see <see cref="IWspProvider.Receive"/> (OVL-1..8).</summary>
/// <param name="socket">The handle.</param>
/// <param name="buffer">Where the bytes go.</param>
/// <param name="overlapped">The overlapped object, if any.</param>
/// <param name="routine">The completion routine, if any.</param>
/// <returns>The bytes received, WSA_IO_PENDING, or the error.</returns>
public delegate SpiResult<int> WspReceiveProc(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped, CompletionRoutine? routine);

/// <summary>LPWSPGETOVERLAPPEDRESULT: see <see cref="IWspProvider.GetOverlappedResult"/> (OVL-6).</summary>
/// <param name="socket">The handle.</param>
/// <param name="overlapped">The overlapped object.</param>
/// <param name="wait">Whether to wait.</param>
/// <returns>The bytes transferred or the error.</returns>
public delegate SpiResult<int> WspGetOverlappedResultProc(SocketHandle socket, WsaOverlapped? overlapped, bool wait);

/// <summary>LPWSPCANCELBLOCKINGCALL: see <see cref="IWspProvider.CancelBlockingCall"/> (BLK-3).</summary>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspCancelBlockingCallProc();

/// <summary>LPWSPEVENTSELECT: see <see cref="IWspProvider.EventSelect"/> (SEL-1).</summary>
/// <param name="socket">The handle.</param>
/// <param name="eventObject">The event.</param>
/// <param name="events">The events.</param>
/// <returns>Success or the error.</returns>
public delegate SpiResult WspEventSelectProc(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events);

/// <summary>LPWSPENUMNETWORKEVENTS: see <see cref="IWspProvider.EnumNetworkEvents"/> (SEL-1).</summary>
/// <param name="socket">The handle.</param>
/// <param name="resetEvent">An event to reset.</param>
/// <returns>The recorded events or the error.</returns>
public delegate SpiResult<NetworkEventRecord> WspEnumNetworkEventsProc(SocketHandle socket, WsaEvent? resetEvent);

/// <summary>LPWSPGETSOCKNAME: see <see cref="IWspProvider.GetSockName"/>.</summary>
/// <param name="socket">The handle.</param>
/// <returns>The local endpoint or the error.</returns>
public delegate SpiResult<EndPoint> WspGetSockNameProc(SocketHandle socket);

/// <summary>LPWSPGETPEERNAME: see <see cref="IWspProvider.GetPeerName"/>.</summary>
/// <param name="socket">The handle.</param>
/// <returns>The remote endpoint or the error.</returns>
public delegate SpiResult<EndPoint> WspGetPeerNameProc(SocketHandle socket);
