using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

// WSPSendTo and WSPRecvFrom with arrays of buffers (scatter/gather, EXT-5): one message gathered from the buffers, or one
// message scattered over them; everything else is SendTo and ReceiveFrom.
public sealed partial class ProviderRuntime
{
    /// <summary>
    /// WSPSendTo with an array of buffers (EXT-5): gathers the buffers, in order, into one message and sends it as
    /// <see cref="SendTo"/> does, blocking, non-blocking or overlapped (DGM-1, DGM-3..5). The message is never split: the
    /// receiver gets the bytes of every buffer in one datagram. On a stream socket the address is ignored and the call is
    /// <see cref="SendBuffers"/>.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers (WSABUF array); an empty array sends an empty message.</param>
    /// <param name="destination">The destination; <see langword="null"/> sends to the connected address. Ignored on a connected datagram socket.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped send.</param>
    /// <param name="routine">The completion routine, queued to this thread when the send ends (OVL-4).</param>
    /// <returns>
    /// The bytes sent (the whole message, across the buffers). Errors as <see cref="SendTo"/>: WSANOTINITIALISED,
    /// WSAENOTSOCK, WSAEINVAL (overlapped object in use), WSAEINPROGRESS, WSAEDESTADDRREQ (no address and not connected),
    /// WSAEFAULT (not an IP endpoint), WSAEAFNOSUPPORT, WSAEADDRNOTAVAIL, WSAEMSGSIZE (the buffers together are longer
    /// than a UDP datagram), WSAESHUTDOWN, WSAENOBUFS, WSAEWOULDBLOCK (non-blocking, while the network holds sends).
    /// </returns>
    /// <remarks>
    /// Several buffers are gathered into one block when the call starts, as the transport copies them, so an overlapped
    /// send does not read them afterwards. Thread-safe.
    /// </remarks>
    private SpiResult<int> SendToBuffersCore(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => buffers.Length == 1
            ? SendToAnyCore(socket, buffers.Span[0].Buffer, default, destination, overlapped, routine)
            : SendToAnyCore(socket, default, buffers, destination, overlapped, routine);

    /// <summary>
    /// WSPRecvFrom with an array of buffers (EXT-5): receives one message and its source as <see cref="ReceiveFrom"/>
    /// does, scattered over the buffers in order, each full before the next gets a byte; blocking, non-blocking or
    /// overlapped (DGM-1, DGM-2, DGM-5). A message longer than the buffers together fills them all and the rest is
    /// discarded: the call fails with WSAEMSGSIZE (an overlapped one completes with WSAEMSGSIZE and exactly the bytes
    /// copied, and is notified). On a stream socket the source is not reported and the call is
    /// <see cref="ReceiveBuffers"/> without flags.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers (WSABUF array); for an overlapped receive they must stay valid until it ends. An
    /// empty array takes a message and keeps none of it (WSAEMSGSIZE unless the message is empty).</param>
    /// <param name="from">Where the source address is written (lpFrom), or <see langword="null"/>; for an overlapped receive it is written when the operation completes.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped receive.</param>
    /// <param name="routine">The completion routine, queued to this thread when the receive ends (OVL-4).</param>
    /// <returns>
    /// The bytes of the message, across the buffers. Overlapped: WSA_IO_PENDING until a message arrives (OVL-2).
    /// Non-blocking: WSAEWOULDBLOCK when none waits. Errors as <see cref="ReceiveFrom"/>: WSANOTINITIALISED, WSAENOTSOCK,
    /// WSAEINVAL (not bound; or overlapped object in use), WSAEINPROGRESS, WSAESHUTDOWN, WSAEMSGSIZE (truncated, DGM-2),
    /// WSAEINTR (a blocking call cancelled, its socket closed, or the final cleanup).
    /// </returns>
    /// <remarks>A receive re-enables FD_READ of WSPAsyncSelect and WSPEventSelect, as <see cref="ReceiveFrom"/> does (ASY-2). Thread-safe.</remarks>
    private SpiResult<int> ReceiveFromBuffersCore(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => buffers.Length == 1
            ? ReceiveFromAnyCore(socket, buffers.Span[0].Buffer, default, from, overlapped, routine)
            : ReceiveFromAnyCore(socket, default, buffers, from, overlapped, routine);
}
