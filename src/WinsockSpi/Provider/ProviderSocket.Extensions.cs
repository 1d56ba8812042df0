using System.Diagnostics;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

// The per-socket side of the extension functions (EXT-1), scatter receives and MSG_PEEK (EXT-5), and the completion
// modes (EXT-4).
internal sealed partial class ProviderSocket
{
    /// <summary>Gets whether an operation that completes at once posts no packet (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, EXT-4).</summary>
    public bool SkipsPortOnSuccess => (NotificationModes & CompletionNotificationModes.SkipCompletionPortOnSuccess) != 0;

    /// <summary>
    /// Receives (or peeks, MSG_PEEK) into one buffer, or fills an array of buffers in order (EXT-5): each buffer is filled
    /// before the next gets a byte, and the fill stops at the first buffer the waiting data does not fill. The bytes (0 at
    /// end of stream), or -1 when nothing waits.
    /// </summary>
    public static int ReceiveInto<TAccess>(TAccess end, Memory<byte> buffer, ReadOnlyMemory<WsaBuf> buffers, bool peek, out EndState after)
        where TAccess : struct, IEndAccess
    {
        if (buffers.IsEmpty)
        {
            return peek ? end.Peek(buffer.Span, 0, out after) : end.Receive(buffer.Span, out after);
        }

        after = default;
        int total = 0;
        bool any = false;
        foreach (var b in buffers.Span)
        {
            var span = b.Buffer.Span;
            if (span.IsEmpty)
            {
                continue; // a zero-length WSABUF takes nothing
            }

            any = true;
            int n = peek ? end.Peek(span, total, out after) : end.Receive(span, out after);
            if (n < 0)
            {
                return total == 0 ? -1 : total; // nothing more waits: what was filled is the result
            }

            total += n;
            if (n < span.Length)
            {
                break;
            }
        }

        // Only zero-length buffers: a zero-byte receive (completes when data waits, or at end of stream).
        return any ? total : peek ? end.Peek(default, 0, out after) : end.Receive(default, out after);
    }

    /// <summary>
    /// Ends the AcceptEx just attached to this accept socket now, when its first data (or the end of the stream, or a
    /// reset) is already there, as the pump would.
    /// </summary>
    /// <param name="skipPortOnSuccess">No port packet if it completes (EXT-4: within the AcceptEx call, with skip-on-success).</param>
    /// <param name="notifications">Receives what must be made known.</param>
    /// <returns>The bytes it completed with; -1 while it waits, or when a reset failed it (made known by its notification).</returns>
    public int EndAcceptExNow_NeedsLock(bool skipPortOnSuccess, ref Notifications notifications)
    {
        AssertLock();
        PumpAcceptEx_NeedsLock(new GatedAccess(End!), skipPortOnSuccess, ref notifications, out int completedWith);
        return completedWith;
    }

    /// <summary>
    /// Gives the first data of the connection an AcceptEx attached to this (its accept socket) to the AcceptEx, which then
    /// completes with it; 0 bytes at end of stream. A reset fails it (ERROR_NETNAME_DELETED on a port, OVL-8).
    /// </summary>
    /// <param name="end">The access to the connection.</param>
    /// <param name="skipPortOnSuccess">No port packet if it completes (EXT-4; a failure always has one).</param>
    /// <param name="notifications">Receives what must be made known.</param>
    /// <param name="completedWith">The bytes the AcceptEx completed with; -1 while it waits, or when a reset failed it.</param>
    /// <returns>Whether the AcceptEx has ended, so the socket goes on as a connected socket.</returns>
    private bool PumpAcceptEx_NeedsLock<TAccess>(TAccess end, bool skipPortOnSuccess, ref Notifications notifications, out int completedWith)
        where TAccess : struct, IEndAccess
    {
        completedWith = -1;
        var op = PendingAcceptEx!;
        var listener = op.Socket!;
        int n = end.Receive(op.ReceiveBuffer.Span[..op.Extras.AcceptReceiveLength], out var after);
        if (n < 0 && !end.Snapshot().IsReset)
        {
            return false;
        }

        if (!op.TryClaim())
        {
            Debug.Fail("A queued AcceptEx was already claimed."); // every claim of a queued operation is made under this lock
            return false;
        }

        if (n > 0)
        {
            notifications.Kick(End!.Other);
        }

        bool failed = n < 0;
        completedWith = failed ? -1 : n; // read before the end: once published, the record belongs to the object's next start
        op.SkipPort |= skipPortOnSuccess && !failed;

        listener.Finish_NeedsLock(op, failed ? OperationStatus.Failed : OperationStatus.Completed, failed ? WsaError.ConnectionReset : WsaError.Success, Math.Max(n, 0), SocketFlags.None, ref notifications);
        return !failed || End is not null;
    }

    /// <summary>
    /// Ends the DisconnectEx at the head of the send queue once the FIN behind the earlier sends has gone (EXT-1); with
    /// TF_REUSE_SOCKET the socket leaves its connection to the network (like a graceful close) and may be used again.
    /// </summary>
    public void EndDisconnect_NeedsLock(OperationRecord op, ref Notifications notifications)
    {
        AssertLock();
        if (!op.TryClaim())
        {
            Debug.Fail("A queued DisconnectEx was already claimed.");
            return;
        }

        // Read before the end: an operation may be published as it ends, and the record then belongs to the object's next
        // start, which clears the flag (another provider's start waits for this lock, ProviderRuntime.Binding.cs, but
        // nothing here relies on it).
        bool reuse = op.ExtrasIfAny is { ReuseSocket: true };
        Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, 0, SocketFlags.None, ref notifications);
        if (reuse)
        {
            DetachForReuse_NeedsLock();
        }
    }

    /// <summary>
    /// TF_REUSE_SOCKET: the socket gives its connection (already shut for sending) to the network and goes back to a new
    /// socket, unbound, so that AcceptEx (or bind and ConnectEx) may take it (EXT-1).
    /// </summary>
    public void DetachForReuse_NeedsLock()
    {
        AssertLock();
        if (End is { } end && end.Listener == this)
        {
            end.Listener = null;
        }

        if (OwnsBinding && LocalEndPoint is not null)
        {
            Runtime.Network.Unbind(LocalEndPoint);
        }

        End = null;
        RemoteEndPoint = null;
        LocalEndPoint = null;
        OwnsBinding = false;
        Phase = SocketPhase.Created;
        Shutdown = ShutdownState.None;
        Latches = EventLatch.None;
        Recorded = NetworkEvents.None;
    }

    /// <summary>
    /// The AcceptEx this socket is the accept socket of ends without a connection for it (aborted, failed): a connection
    /// already attached is reset (its peer sees WSAECONNRESET) and the socket is a new, unconnected socket again.
    /// </summary>
    public void DropAcceptedConnection_NeedsLock(ref Notifications notifications)
    {
        AssertLock();
        PendingAcceptEx = null;
        if (End is not { } end)
        {
            return;
        }

        end.Listener = null;
        if (end.Reset())
        {
            notifications.Kick(end.Other);
        }

        End = null;
        RemoteEndPoint = null;
        LocalEndPoint = null;
        Phase = SocketPhase.Created;
    }

    /// <summary>Aborts the AcceptEx this socket is the accept socket of, if any: its last handle is closing (EXT-1, CLS-2) or the final cleanup runs (CLN-4).</summary>
    private void AbortAcceptEx_NeedsLock(bool silent, ref Notifications notifications, ref int aborted)
    {
        if (PendingAcceptEx is not { } op)
        {
            return;
        }

        if (!op.TryClaim())
        {
            Debug.Fail("A queued AcceptEx was already claimed.");
            return;
        }

        aborted++;
        op.Silent = silent;
        op.Socket!.Finish_NeedsLock(op, OperationStatus.Aborted, WsaError.OperationAborted, 0, SocketFlags.None, ref notifications);
    }
}
