using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

public sealed partial class Ws2Api
{
    /// <summary>
    /// select: waits until sockets of the sets are ready, or the timeout passes, and leaves only the ready ones in the sets
    /// (SLT-1..3). The call goes to the provider of the first SOCKET of the first non-empty set (read, then write, then
    /// except), with all three sets, as ws2_32 does; a SOCKET of another provider is then no socket of that provider.
    /// </summary>
    /// <param name="nfds">Ignored, as in Winsock (kept for Berkeley compatibility).</param>
    /// <param name="readfds">Sockets to check for readability, or <see langword="null"/>.</param>
    /// <param name="writefds">Sockets to check for writability, or <see langword="null"/>.</param>
    /// <param name="exceptfds">Sockets to check for errors (a failed non-blocking connect), or <see langword="null"/>.</param>
    /// <param name="timeout">{0, 0} polls; <see langword="null"/> (a NULL pointer) waits until a socket is ready.</param>
    /// <returns>
    /// The number of ready entries over the three sets (0 when the timeout passed: the sets are then empty); or SOCKET_ERROR
    /// with the calling thread's last error: WSANOTINITIALISED; WSAEINVAL (every set empty or null, or a negative
    /// timeval); WSAENOTSOCK (the first SOCKET is not mapped, or a SOCKET is not a socket of that provider); WSAEINTR
    /// (cancelled with WSACancelBlockingCall, or ended by the final WSACleanup); WSAEINPROGRESS (from a blocking hook).
    /// The sets are unchanged on failure.
    /// </returns>
    /// <remarks>
    /// Sources: the ReactOS ws2_32 (dll/win32/ws2_32/src/select.c) takes the provider of the first handle of the first
    /// non-empty set and fails with WSAENOTSOCK when that handle is unknown, WSAEINVAL when every set is empty; Microsoft's
    /// "Multiple Provider Restrictions on Select" says select is limited to the sockets of one provider. Thread-safe;
    /// a waiting select is a blocking call, and the blocking hook of <see cref="Upcalls"/> runs while it waits.
    /// </remarks>
    public int select(int nfds, FdSet? readfds, FdSet? writefds, FdSet? exceptfds, TimeVal? timeout)
    {
        _ = nfds;
        var error = CheckStarted();
        if (error != WsaError.Success)
        {
            return FailSelect(error);
        }

        nuint? first = readfds is { fd_count: > 0 } ? readfds[0]
            : writefds is { fd_count: > 0 } ? writefds[0]
            : exceptfds is { fd_count: > 0 } ? exceptfds[0]
            : null;
        if (first is null)
        {
            return FailSelect(WsaError.InvalidArgument);
        }

        error = Find(first.Value, out var provider);
        if (error != WsaError.Success)
        {
            return FailSelect(error);
        }

        var result = provider!.Provider.Select(readfds?.Sockets, writefds?.Sockets, exceptfds?.Sockets, timeout?.ToTimeSpan());
        if (!result.IsSuccess)
        {
            return FailSelect(result.Error);
        }

        return result.Value;
    }

    private int FailSelect(WsaError error)
    {
        Ws2Log.SelectFailed(_logger, error);
        return Fail(error);
    }
}
