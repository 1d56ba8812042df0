using System.Buffers;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

public sealed partial class Ws2Api
{
    /// <summary>send: sends on a connected stream socket, blocking or not (OVL-9).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="buf">The bytes.</param>
    /// <param name="len">How many bytes of <paramref name="buf"/> to send.</param>
    /// <param name="flags">0; MSG_* flags are not simulated.</param>
    /// <returns>
    /// The bytes sent, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (<paramref name="len"/> outside the
    /// buffer), WSAEOPNOTSUPP (flags), or the provider's error (WSAEWOULDBLOCK, WSAEINTR, WSAECONNRESET, ...).
    /// </returns>
    public int send(nuint s, byte[]? buf, int len, int flags)
    {
        var error = CheckTransfer(s, buf?.Length ?? -1, len, flags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(provider!.Provider.Send(new SocketHandle(s), buf.AsMemory(0, len)));
    }

    /// <summary>send: as <see cref="send(nuint, byte[], int, int)"/>, from a span (for example a <c>"TEST"u8</c> literal).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="buf">The bytes.</param>
    /// <param name="len">How many bytes of <paramref name="buf"/> to send.</param>
    /// <param name="flags">0; MSG_* flags are not simulated.</param>
    /// <returns>As <see cref="send(nuint, byte[], int, int)"/>.</returns>
    /// <remarks>The bytes are copied to a pooled buffer for the duration of the call.</remarks>
    public int send(nuint s, ReadOnlySpan<byte> buf, int len, int flags)
    {
        var error = CheckTransfer(s, buf.Length, len, flags, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(len);
        try
        {
            buf[..len].CopyTo(rented);
            return Transferred(provider!.Provider.Send(new SocketHandle(s), rented.AsMemory(0, len)));
        }
        finally
        {
            // A non-overlapped send has finished with the buffer when it returns, however it ended.
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>recv: receives on a connected stream socket, blocking or not (OVL-8).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="buf">Where the bytes go.</param>
    /// <param name="len">The most bytes to receive.</param>
    /// <param name="flags">0, or MSG_PEEK to copy the waiting data without consuming it (EXT-5).</param>
    /// <returns>
    /// The bytes received (0 after a graceful close by the peer), or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK,
    /// WSAEFAULT, WSAEOPNOTSUPP (other flags), or the provider's error.
    /// </returns>
    public int recv(nuint s, byte[]? buf, int len, int flags)
    {
        var error = CheckTransfer(s, buf?.Length ?? -1, len, flags & ~Ws2Constants.MSG_PEEK, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        return Transferred(ReceiveOnce(provider!, s, buf.AsMemory(0, len), flags));
    }

    /// <summary>recv: as <see cref="recv(nuint, byte[], int, int)"/>, into a span.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="buf">Where the bytes go.</param>
    /// <param name="len">The most bytes to receive.</param>
    /// <param name="flags">0; MSG_* flags are not simulated.</param>
    /// <returns>As <see cref="recv(nuint, byte[], int, int)"/>.</returns>
    /// <remarks>The bytes pass through a pooled buffer.</remarks>
    public int recv(nuint s, Span<byte> buf, int len, int flags)
    {
        var error = CheckTransfer(s, buf.Length, len, flags & ~Ws2Constants.MSG_PEEK, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(len);
        try
        {
            var result = ReceiveOnce(provider!, s, rented.AsMemory(0, len), flags);
            if (result.IsSuccess)
            {
                rented.AsSpan(0, result.Value).CopyTo(buf);
            }

            return Transferred(result);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// WSASend with one WSABUF: sends, blocking, non-blocking or overlapped (OVL-1..5, OVL-7, OVL-9).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffer">The bytes. For an overlapped send they must stay untouched until the operation ends.</param>
    /// <param name="lpNumberOfBytesSent">Set to the bytes sent when the call succeeds at once; unchanged otherwise, WSA_IO_PENDING included (OVL-2).</param>
    /// <param name="dwFlags">0; MSG_* flags are not simulated.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/> for a non-overlapped send.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>, as in Winsock.</param>
    /// <returns>
    /// 0 when the send completed at once (an overlapped one is still notified, OVL-1); or SOCKET_ERROR with WSA_IO_PENDING
    /// (OVL-2), WSANOTINITIALISED, WSAENOTSOCK, WSAEOPNOTSUPP (flags), or the provider's error (OVL-3).
    /// </returns>
    public int WSASend(nuint s, ReadOnlyMemory<byte> lpBuffer, ref int lpNumberOfBytesSent, int dwFlags, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
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

        return Transferred(provider!.Provider.Send(new SocketHandle(s), lpBuffer, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesSent);
    }

    /// <summary>
    /// WSARecv with one WSABUF: receives, blocking, non-blocking or overlapped (OVL-1..8).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="lpBuffer">Where the bytes go. For an overlapped receive the memory must stay valid until the operation ends.</param>
    /// <param name="lpNumberOfBytesRecvd">Set to the bytes received when the call succeeds at once; unchanged otherwise (OVL-2).</param>
    /// <param name="lpFlags">In: 0 (MSG_* flags are not simulated). Out, on success at once: the flags of the receive.</param>
    /// <param name="lpOverlapped">The overlapped object, or <see langword="null"/>.</param>
    /// <param name="lpCompletionRoutine">The completion routine; ignored without <paramref name="lpOverlapped"/>.</param>
    /// <returns>0, or SOCKET_ERROR with WSA_IO_PENDING, WSANOTINITIALISED, WSAENOTSOCK, WSAEOPNOTSUPP (flags), or the provider's error.</returns>
    public int WSARecv(nuint s, Memory<byte> lpBuffer, ref int lpNumberOfBytesRecvd, ref int lpFlags, WsaOverlapped? lpOverlapped, CompletionRoutine? lpCompletionRoutine)
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

        return Received(provider!.Provider.Receive(new SocketHandle(s), lpBuffer, lpOverlapped, lpOverlapped is null ? null : lpCompletionRoutine), ref lpNumberOfBytesRecvd, ref lpFlags, lpOverlapped);
    }

    /// <summary>WSAGetOverlappedResult: reads the outcome of an overlapped send or receive (OVL-6).</summary>
    /// <param name="s">The SOCKET the operation was started on.</param>
    /// <param name="lpOverlapped">The overlapped object.</param>
    /// <param name="lpcbTransfer">Set to the bytes transferred on success; unchanged on failure.</param>
    /// <param name="fWait">Whether to wait (non-alertably) until the operation ends.</param>
    /// <param name="lpdwFlags">Set to the operation's flags on success; unchanged on failure.</param>
    /// <returns>
    /// <see langword="true"/> when the operation completed; otherwise <see langword="false"/> with the calling thread's
    /// last error set to WSA_IO_INCOMPLETE, the operation's error (WSA_OPERATION_ABORTED when aborted),
    /// WSA_INVALID_PARAMETER (no overlapped object), WSANOTINITIALISED or WSAENOTSOCK.
    /// </returns>
    public bool WSAGetOverlappedResult(nuint s, WsaOverlapped? lpOverlapped, ref int lpcbTransfer, bool fWait, ref int lpdwFlags)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            SetLastError(error);
            return false;
        }

        var result = provider!.Provider.GetOverlappedResult(new SocketHandle(s), lpOverlapped, fWait);
        if (!result.IsSuccess)
        {
            SetLastError(result.Error);
            return false;
        }

        lpcbTransfer = result.Value;
        lpdwFlags = (int)lpOverlapped!.Flags;
        return true;
    }

    /// <summary>
    /// The checks every send and receive makes first, in this order: a live SOCKET (WSANOTINITIALISED, WSAENOTSOCK),
    /// <paramref name="len"/> within the buffer or WSABUF array (WSAEFAULT; -1: none given), no flags (WSAEOPNOTSUPP).
    /// </summary>
    private WsaError CheckTransfer(nuint s, int bufferLength, int len, int flags, out LoadedProvider? provider)
    {
        var error = Find(s, out provider);
        return error != WsaError.Success ? error
            : bufferLength < 0 || (uint)len > (uint)bufferLength ? WsaError.Fault
            : flags != 0 ? WsaError.OperationNotSupported
            : WsaError.Success;
    }

    /// <summary>A non-overlapped receive into one buffer; MSG_PEEK copies without consuming (EXT-5).</summary>
    private static SpiResult<int> ReceiveOnce(LoadedProvider provider, nuint s, Memory<byte> buffer, int flags)
        => flags == Ws2Constants.MSG_PEEK
            ? provider.Provider.ReceiveBuffers(new SocketHandle(s), new[] { new WsaBuf(buffer) }, System.Net.Sockets.SocketFlags.Peek)
            : provider.Provider.Receive(new SocketHandle(s), buffer);

    private int Transferred(SpiResult<int> result) => result.IsSuccess ? result.Value : Fail(result.Error);

    /// <summary>Ends a WSASend-style call: 0 with <paramref name="bytes"/> set when it succeeded at once; SOCKET_ERROR with the last error otherwise (bytes unchanged).</summary>
    private int Transferred(SpiResult<int> result, ref int bytes)
    {
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        bytes = result.Value;
        return 0;
    }

    /// <summary>Ends a WSARecv-style call as <see cref="Transferred(SpiResult{int}, ref int)"/> does, and sets <paramref name="flags"/> to the receive's flags (0 without an overlapped object).</summary>
    private int Received(SpiResult<int> result, ref int bytes, ref int flags, WsaOverlapped? overlapped)
    {
        int rc = Transferred(result, ref bytes);
        if (rc == 0)
        {
            flags = overlapped is null ? 0 : (int)overlapped.Flags;
        }

        return rc;
    }
}
