using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

// WSASend, WSARecv, WSASendTo and WSARecvFrom with arrays of WSABUF (scatter/gather) and MSG_PEEK (EXT-5).
public sealed partial class Ws2Api
{
    /// <summary>
    /// WSASend with an array of WSABUF (EXT-5): sends the buffers in order, blocking, non-blocking or overlapped
    /// (OVL-1..5, OVL-7, OVL-9).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffers">The buffers; for an overlapped send they must stay untouched until it ends.</param>
    /// <param name="dwBufferCount">How many of <paramref name="lpBuffers"/> to send.</param>
    /// <param name="lpNumberOfBytesSent">Set to the bytes sent when the call succeeds at once (across the buffers: a
    /// non-blocking send that fitted in part reports exactly what fitted); unchanged otherwise.</param>
    /// <param name="dwFlags">0.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSA_IO_PENDING, WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (no array, or a count
    /// outside it), WSAEOPNOTSUPP (flags), or the provider's error.</returns>
    public int WSASend(nuint s, WsaBuf[]? lpBuffers, int dwBufferCount, ref int lpNumberOfBytesSent, int dwFlags, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = CheckTransfer(s, lpBuffers?.Length ?? -1, dwBufferCount, dwFlags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(provider!.Provider.SendBuffers(new SocketHandle(s), lpBuffers.AsMemory(0, dwBufferCount), lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesSent);
    }

    /// <summary>
    /// WSARecv with an array of WSABUF (EXT-5): fills the buffers in order, each full before the next gets a byte;
    /// MSG_PEEK copies without consuming. Blocking, non-blocking or overlapped (OVL-1..8).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffers">The buffers; for an overlapped receive they must stay valid until it ends.</param>
    /// <param name="dwBufferCount">How many of <paramref name="lpBuffers"/> to fill.</param>
    /// <param name="lpNumberOfBytesRecvd">Set to the bytes received when the call succeeds at once; unchanged otherwise.</param>
    /// <param name="lpFlags">In: 0 or MSG_PEEK. Out, on success at once: the flags of the receive (0 for a stream).</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSA_IO_PENDING, WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT, WSAEOPNOTSUPP (other
    /// flags), or the provider's error.</returns>
    public int WSARecv(nuint s, WsaBuf[]? lpBuffers, int dwBufferCount, ref int lpNumberOfBytesRecvd, ref int lpFlags, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = CheckTransfer(s, lpBuffers?.Length ?? -1, dwBufferCount, lpFlags & ~Ws2Constants.MSG_PEEK, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Received(provider!.Provider.ReceiveBuffers(new SocketHandle(s), lpBuffers.AsMemory(0, dwBufferCount), (SocketFlags)lpFlags, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesRecvd, ref lpFlags, lpOverlapped);
    }

    /// <summary>
    /// WSASendTo with an array of WSABUF (EXT-5): gathers the buffers, in order, into one datagram and sends it to
    /// <paramref name="lpTo"/>, blocking, non-blocking or overlapped (DGM-1, DGM-3..5, OVL-1). On a stream socket the
    /// address is ignored and the call is WSASend with the same buffers.
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffers">The buffers; they are gathered when the call starts.</param>
    /// <param name="dwBufferCount">How many of <paramref name="lpBuffers"/> to send (0 sends an empty datagram).</param>
    /// <param name="lpNumberOfBytesSent">Set to the bytes sent (the whole message, across the buffers) when the call
    /// succeeds; unchanged otherwise.</param>
    /// <param name="dwFlags">0; MSG_* flags are not simulated.</param>
    /// <param name="lpTo">The destination (an <see cref="IPEndPoint"/>), or <see langword="null"/> for the connected address.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (no array, or a count outside it),
    /// WSAEOPNOTSUPP (flags), or the provider's error (WSAEDESTADDRREQ, WSAEADDRNOTAVAIL, WSAEMSGSIZE, ...).</returns>
    public int WSASendTo(nuint s, WsaBuf[]? lpBuffers, int dwBufferCount, ref int lpNumberOfBytesSent, int dwFlags, EndPoint? lpTo, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = CheckTransfer(s, lpBuffers?.Length ?? -1, dwBufferCount, dwFlags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(provider!.Provider.SendToBuffers(new SocketHandle(s), lpBuffers.AsMemory(0, dwBufferCount), lpTo, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesSent);
    }

    /// <summary>
    /// WSARecvFrom with an array of WSABUF (EXT-5): receives one datagram and its source, scattered over the buffers in
    /// order, each full before the next gets a byte; blocking, non-blocking or overlapped (DGM-1, DGM-2, DGM-5). A
    /// datagram longer than the buffers together fills them and the rest is discarded (WSAEMSGSIZE). On a stream socket
    /// the source is not reported and the call is WSARecv with the same buffers.
    /// </summary>
    /// <param name="s">The SOCKET (bound).</param>
    /// <param name="lpBuffers">The buffers; for an overlapped receive they must stay valid until it ends.</param>
    /// <param name="dwBufferCount">How many of <paramref name="lpBuffers"/> to fill.</param>
    /// <param name="lpNumberOfBytesRecvd">Set to the bytes received when the call succeeds at once; unchanged otherwise.</param>
    /// <param name="lpFlags">In: 0 (MSG_* flags are not simulated here). Out, on success at once: the flags of the receive.</param>
    /// <param name="lpFrom">Where the source address is written (for an overlapped receive, when it completes), or <see langword="null"/>.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSA_IO_PENDING, WSAEMSGSIZE (truncated: the buffers hold the first bytes; an
    /// overlapped receive is still notified with WSAEMSGSIZE and exactly the bytes copied, DGM-2), WSANOTINITIALISED,
    /// WSAENOTSOCK, WSAEFAULT (no array, or a count outside it), WSAEOPNOTSUPP (flags), or the provider's error.</returns>
    public int WSARecvFrom(nuint s, WsaBuf[]? lpBuffers, int dwBufferCount, ref int lpNumberOfBytesRecvd, ref int lpFlags, SourceAddress? lpFrom, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = CheckTransfer(s, lpBuffers?.Length ?? -1, dwBufferCount, lpFlags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Received(provider!.Provider.ReceiveFromBuffers(new SocketHandle(s), lpBuffers.AsMemory(0, dwBufferCount), lpFrom, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesRecvd, ref lpFlags, lpOverlapped);
    }
}
