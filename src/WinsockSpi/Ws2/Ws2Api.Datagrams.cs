using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

public sealed partial class Ws2Api
{
    /// <summary>sendto: sends one datagram to an address, blocking or not (DGM-1, DGM-3, DGM-4).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="buf">The message.</param>
    /// <param name="len">How many bytes of <paramref name="buf"/> to send.</param>
    /// <param name="flags">0; MSG_* flags are not simulated.</param>
    /// <param name="to">The destination (an <see cref="IPEndPoint"/>); <see langword="null"/> for the connected address. Ignored on a stream socket, where the call is <c>send</c>.</param>
    /// <returns>
    /// The bytes sent (the whole message), or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (<paramref name="len"/>
    /// outside the buffer), WSAEOPNOTSUPP (flags), or the provider's error (WSAEDESTADDRREQ, WSAEADDRNOTAVAIL, WSAEMSGSIZE, ...).
    /// A message nobody receives is dropped without an error (DGM-3).
    /// </returns>
    public int sendto(nuint s, byte[]? buf, int len, int flags, EndPoint? to)
    {
        var error = CheckTransfer(s, buf?.Length ?? -1, len, flags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(provider!.Provider.SendTo(new SocketHandle(s), buf.AsMemory(0, len), to));
    }

    /// <summary>recvfrom: receives one datagram and its source address, blocking or not (DGM-1, DGM-2).</summary>
    /// <param name="s">The SOCKET (bound).</param>
    /// <param name="buf">Where the message goes.</param>
    /// <param name="len">The most bytes to receive; the rest of a longer message is discarded.</param>
    /// <param name="flags">0; MSG_* flags are not simulated.</param>
    /// <param name="from">Where the source address is written (the C <c>from</c> buffer), or <see langword="null"/>.</param>
    /// <returns>
    /// The bytes of the message, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT, WSAEOPNOTSUPP (flags), or
    /// the provider's error: WSAEMSGSIZE when the message was longer than <paramref name="len"/> (the buffer holds its
    /// first bytes, DGM-2), WSAEINVAL (not bound), WSAEWOULDBLOCK, WSAEINTR, ...
    /// </returns>
    public int recvfrom(nuint s, byte[]? buf, int len, int flags, SourceAddress? from)
    {
        var error = CheckTransfer(s, buf?.Length ?? -1, len, flags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(provider!.Provider.ReceiveFrom(new SocketHandle(s), buf.AsMemory(0, len), from));
    }

    /// <summary>WSASendTo with one WSABUF: sends one datagram, blocking, non-blocking or overlapped (DGM-1, DGM-5, OVL-1).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffer">The message. For an overlapped send it must stay untouched until the operation ends.</param>
    /// <param name="lpNumberOfBytesSent">Set to the bytes sent when the call succeeds; unchanged otherwise.</param>
    /// <param name="dwFlags">0; MSG_* flags are not simulated.</param>
    /// <param name="lpTo">The destination, or <see langword="null"/> for the connected address.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>, as in Winsock.</param>
    /// <returns>
    /// 0 (a datagram send completes at once; an overlapped one is still notified, OVL-1), or SOCKET_ERROR with
    /// WSANOTINITIALISED, WSAENOTSOCK, WSAEOPNOTSUPP (flags), or the provider's error (OVL-3: nothing started).
    /// </returns>
    public int WSASendTo(nuint s, ReadOnlyMemory<byte> lpBuffer, ref int lpNumberOfBytesSent, int dwFlags, EndPoint? lpTo, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (dwFlags != 0)
        {
            return Fail(WsaError.OperationNotSupported);
        }

        return Transferred(provider!.Provider.SendTo(new SocketHandle(s), lpBuffer, lpTo, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesSent);
    }

    /// <summary>WSARecvFrom with one WSABUF: receives one datagram and its source, blocking, non-blocking or overlapped (DGM-1, DGM-2, DGM-5).</summary>
    /// <param name="s">The SOCKET (bound).</param>
    /// <param name="lpBuffer">Where the message goes. For an overlapped receive the memory must stay valid until the operation ends.</param>
    /// <param name="lpNumberOfBytesRecvd">Set to the bytes received when the call succeeds at once; unchanged otherwise (OVL-2).</param>
    /// <param name="lpFlags">In: 0 (MSG_* flags are not simulated). Out, on success at once: the flags of the receive.</param>
    /// <param name="lpFrom">Where the source address is written (for an overlapped receive, when it completes), or <see langword="null"/>.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>
    /// 0, or SOCKET_ERROR with WSA_IO_PENDING, WSAEMSGSIZE (truncated: an overlapped receive is then still notified with
    /// WSAEMSGSIZE and the bytes copied, DGM-2), WSANOTINITIALISED, WSAENOTSOCK, WSAEOPNOTSUPP (flags), or the provider's error.
    /// </returns>
    public int WSARecvFrom(nuint s, Memory<byte> lpBuffer, ref int lpNumberOfBytesRecvd, ref int lpFlags, SourceAddress? lpFrom, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (lpFlags != 0)
        {
            return Fail(WsaError.OperationNotSupported);
        }

        return Received(provider!.Provider.ReceiveFrom(new SocketHandle(s), lpBuffer, lpFrom, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesRecvd, ref lpFlags, lpOverlapped);
    }
}
