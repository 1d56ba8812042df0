using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>
/// The procedure table of a service provider (WSPPROC_TABLE) as an interface: what ws2_32 or a layered provider
/// calls. <see cref="ProviderRuntime"/> is the base implementation; layered providers wrap any implementation.
/// </summary>
/// <remarks>Implementations are thread-safe. Every member reports simulated failures as <see cref="WsaError"/> values.</remarks>
public interface IWspProvider
{
    /// <summary>Gets the provider's id (its catalog GUID).</summary>
    Guid ProviderId { get; }

    /// <summary>WSPStartup (STA-1..8).</summary>
    /// <param name="requested">The version asked for.</param>
    /// <param name="data">WSPDATA on success.</param>
    /// <param name="upcalls">The upcall table; replaces the one in use when given (STA-7).</param>
    /// <returns>0 or the error itself.</returns>
    WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null);

    /// <summary>WSPCleanup (CLN-1..12).</summary>
    /// <returns>Success or the error.</returns>
    SpiResult Cleanup();

    /// <summary>WSPSocket (SOC-1, SOC-2).</summary>
    /// <param name="family">The address family.</param>
    /// <param name="type">The socket type.</param>
    /// <param name="protocol">The protocol.</param>
    /// <returns>The handle or the error.</returns>
    SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol);

    /// <summary>WSPDuplicateSocket into the same process (DUP-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The new handle or the error.</returns>
    SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket);

    /// <summary>WSPCloseSocket (CLS-1..7).</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>Success or the error.</returns>
    SpiResult CloseSocket(SocketHandle socket);

    /// <summary>WSPSetSockOpt SO_LINGER / SO_DONTLINGER.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="enabled">l_onoff.</param>
    /// <param name="seconds">l_linger.</param>
    /// <returns>Success or the error.</returns>
    SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds);

    /// <summary>WSPIoctl FIONBIO.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="blocking">Whether calls block.</param>
    /// <returns>Success or the error.</returns>
    SpiResult SetBlocking(SocketHandle socket, bool blocking);

    /// <summary>WSPBind.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="localEndPoint">The local endpoint.</param>
    /// <returns>Success or the error.</returns>
    SpiResult Bind(SocketHandle socket, EndPoint localEndPoint);

    /// <summary>WSPListen.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="backlog">The backlog.</param>
    /// <returns>Success or the error.</returns>
    SpiResult Listen(SocketHandle socket, int backlog);

    /// <summary>WSPAccept.</summary>
    /// <param name="socket">The listening handle.</param>
    /// <returns>The new handle or the error.</returns>
    SpiResult<SocketHandle> Accept(SocketHandle socket);

    /// <summary>WSPConnect.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="remoteEndPoint">The remote endpoint.</param>
    /// <returns>Success or the error.</returns>
    SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint);

    /// <summary>WSPShutdown.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="how">Which directions.</param>
    /// <returns>Success or the error.</returns>
    SpiResult Shutdown(SocketHandle socket, SocketShutdown how);

    /// <summary>WSPSend (OVL-1..9).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes sent, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPRecv (OVL-1..8).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes received, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPGetOverlappedResult (OVL-6).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="overlapped">The overlapped object.</param>
    /// <param name="wait">Whether to wait.</param>
    /// <returns>The bytes transferred or the error.</returns>
    SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait);

    /// <summary>WSPCancelBlockingCall (BLK-3).</summary>
    /// <returns>Success or the error.</returns>
    SpiResult CancelBlockingCall();

    /// <summary>WSPEventSelect (SEL-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="eventObject">The event.</param>
    /// <param name="events">The events.</param>
    /// <returns>Success or the error.</returns>
    SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events);

    /// <summary>WSPEnumNetworkEvents (SEL-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="resetEvent">An event to reset.</param>
    /// <returns>The recorded events or the error.</returns>
    SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null);

    /// <summary>WSPGetSockName.</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The local endpoint or the error.</returns>
    SpiResult<EndPoint> GetSockName(SocketHandle socket);

    /// <summary>WSPGetPeerName.</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The remote endpoint or the error.</returns>
    SpiResult<EndPoint> GetPeerName(SocketHandle socket);

    /// <summary>WSPSelect (SLT-1..3): leaves only the ready handles in the sets and returns how many entries are ready.</summary>
    /// <param name="checkRead">Handles to check for readability, or <see langword="null"/>.</param>
    /// <param name="checkWrite">Handles to check for writability, or <see langword="null"/>.</param>
    /// <param name="checkError">Handles to check for errors, or <see langword="null"/>.</param>
    /// <param name="timeout">Zero polls; <see langword="null"/> waits until a socket is ready.</param>
    /// <returns>The ready count (0 at the timeout) or the error.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The entry keeps the name of WSPSelect, as every other entry keeps its SPI name.")]
    SpiResult<int> Select(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout);

    /// <summary>WSPSendTo (DGM-1, DGM-3..5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="data">The message.</param>
    /// <param name="destination">The destination, or <see langword="null"/> for the connected address.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes sent, or the error.</returns>
    SpiResult<int> SendTo(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPRecvFrom (DGM-1, DGM-2, DGM-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffer">Where the message goes.</param>
    /// <param name="from">Where the source address is written, if anywhere.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes received, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> ReceiveFrom(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPAsyncSelect (ASY-1..3).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="window">The window the messages go to.</param>
    /// <param name="message">The message number.</param>
    /// <param name="events">The events.</param>
    /// <returns>Success or the error.</returns>
    SpiResult AsyncSelect(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events);

    /// <summary>WSPIoctl: SIO_GET_EXTENSION_FUNCTION_POINTER (AcceptEx, ConnectEx, DisconnectEx, EXT-1) and FIONBIO.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="ioControlCode">The control code.</param>
    /// <param name="input">The input (a GUID for SIO_GET_EXTENSION_FUNCTION_POINTER).</param>
    /// <returns>The output (the function) or the error.</returns>
    SpiResult<object?> Ioctl(SocketHandle socket, uint ioControlCode, object? input);

    /// <summary>WSPSetSockOpt with an integer value (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="level">The level.</param>
    /// <param name="name">The option.</param>
    /// <param name="value">The value.</param>
    /// <returns>Success or the error.</returns>
    SpiResult SetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value);

    /// <summary>WSPGetSockOpt of an integer option (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="level">The level.</param>
    /// <param name="name">The option.</param>
    /// <returns>The value or the error.</returns>
    SpiResult<int> GetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name);

    /// <summary>WSPGetSockOpt SO_LINGER (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The setting or the error.</returns>
    SpiResult<LingerState> GetLinger(SocketHandle socket);

    /// <summary>WSPSend with an array of buffers (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes sent, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> SendBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPRecv with an array of buffers and flags (MSG_PEEK) (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers.</param>
    /// <param name="flags">The flags.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes received, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> ReceiveBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPSendTo with an array of buffers, gathered into one message (EXT-5, DGM-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers.</param>
    /// <param name="destination">The destination, or <see langword="null"/> for the connected address.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes sent, or the error.</returns>
    SpiResult<int> SendToBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);

    /// <summary>WSPRecvFrom with an array of buffers, one message scattered over them (EXT-5, DGM-2).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers.</param>
    /// <param name="from">Where the source address is written, if anywhere.</param>
    /// <param name="overlapped">The overlapped object, if any.</param>
    /// <param name="routine">The completion routine, if any.</param>
    /// <returns>The bytes received, WSA_IO_PENDING, or the error.</returns>
    SpiResult<int> ReceiveFromBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null);
}
