using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// The final cleanup and process death, in one linear pass over the socket table (CLN-4..9, PRC-2): every pending
    /// overlapped operation ends with WSA_OPERATION_ABORTED and no notification, every blocking call with WSAEINTR,
    /// every open connection is reset, listeners and bindings are released, event select is dropped. Connections
    /// already closed gracefully are not the provider's any more and keep draining on the network (CLN-7).
    /// </summary>
    private TeardownReport Teardown_NeedsLock(ref Notifications notifications)
    {
        int sockets = _table.Count, aborted = 0, interrupted = 0, resets = 0;
        int mark = ++_visitMark;
        var released = new List<ProviderSocket>();
        _table.ForEach(mark, (m, _, s) =>
        {
            if (s.VisitMark != m)
            {
                s.VisitMark = m;
                released.Add(s);
            }
        });

        _table.Clear();
        foreach (var s in released)
        {
            var (a, i) = AbortAll_NeedsLock(s, silent: true, ref notifications);
            aborted += a;
            interrupted += i;
            s.SelectEvent = null;
            s.SelectMask = NetworkEvents.None;
            s.Recorded = NetworkEvents.None;
            if (s.End is { } end && end.Connection.ResetFrom(end))
            {
                resets++;
                notifications.Kick(end.Other);
            }

            ResetBacklog_NeedsLock(s, ref notifications);
            s.HandleCount = 0;
            ReleaseSocket_NeedsLock(s);
        }

        foreach (var linger in _lingering)
        {
            linger.Interrupt();
            interrupted++;
        }

        _lingering.Clear();
        _blockedCount = 0;
        _pendingCount = 0;
        Network.RemoveClient(ProviderId, Process.Id);
        return new TeardownReport(sockets, aborted, interrupted, resets);
    }

    /// <summary>
    /// Ends every operation of a socket: overlapped ones with WSA_OPERATION_ABORTED, notified after a close (CLS-2) or
    /// silently for the final cleanup (CLN-4); blocking calls with WSAEINTR (CLS-3, CLN-5).
    /// </summary>
    private (int Aborted, int Interrupted) AbortAll_NeedsLock(ProviderSocket s, bool silent, ref Notifications notifications)
    {
        int aborted = 0, interrupted = 0;
        AbortQueue_NeedsLock(ref s.Receives, silent, ref notifications, ref aborted, ref interrupted);
        AbortQueue_NeedsLock(ref s.Sends, silent, ref notifications, ref aborted, ref interrupted);
        AbortQueue_NeedsLock(ref s.Accepts, silent, ref notifications, ref aborted, ref interrupted);
        return (aborted, interrupted);
    }

    /// <summary>
    /// Ends a queue front to back. Each operation is unlinked as it ends and the queue is fixed once at the end, instead
    /// of relinking head and neighbour per operation: the final cleanup walks every pending operation of the process.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized at once: the final cleanup runs once per process, so tiered compilation would run this
    /// loop over up to a million operations as unoptimized code with its helpers not inlined.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AbortQueue_NeedsLock(ref OperationQueue queue, bool silent, ref Notifications notifications, ref int aborted, ref int interrupted)
    {
        var op = queue.Head;
        int ended = 0;
        while (op is not null)
        {
            if (!op.TryClaim())
            {
                // Unreachable: every claim of a queued operation is made under this provider's lock, so what is still
                // queued is still Pending. Stopping keeps the exactly-once rule should that invariant ever break.
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            var next = op.Next;
            op.Next = op.Prev = null;
            op.InQueue = false;
            ended++;
            if (op.IsBlocking)
            {
                interrupted++;
                Settle_NeedsLock(op, queued: true, OperationStatus.Failed, WsaError.Interrupted, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref notifications);
            }
            else
            {
                aborted++;
                op.Silent = silent;
                Settle_NeedsLock(op, queued: true, OperationStatus.Aborted, WsaError.OperationAborted, 0, SocketFlags.None, ref notifications);
            }

            op = next;
        }

        queue.Count -= ended;
        queue.Head = op;
        if (op is null)
        {
            queue.Tail = null;
        }
        else
        {
            op.Prev = null;
        }
    }

    /// <summary>
    /// Closes the connection of a socket whose last handle was closed, per SO_LINGER (CLS-4..7). Returns the lingering
    /// close to wait for, if any.
    /// </summary>
    private LingeringClose? CloseConnection_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        s.SelectEvent = null;
        s.SelectMask = NetworkEvents.None;
        ResetBacklog_NeedsLock(s, ref notifications);
        if (s.End is not { } end)
        {
            return null;
        }

        end.Listener = null;
        if (s.Linger is { Enabled: true, Seconds: 0 })
        {
            // CLS-5: hard close: unsent data is discarded and the peer sees WSAECONNRESET.
            if (end.Connection.ResetFrom(end))
            {
                notifications.Kick(end.Other);
            }

            return null;
        }

        if (end.Connection.FinFrom(end))
        {
            notifications.Kick(end.Other);
        }

        if (s.Linger is { Enabled: true } && s.Blocking && UnsentBytes_NeedsLock(s) > 0)
        {
            // CLS-6: wait for the peer to read the data, at most the linger time.
            var linger = new LingeringClose(end, s.Linger.Seconds);

            // The linger time runs from this decision. A timer started once the lock is released would miss whatever
            // time passes before the closing thread gets there, and with a fake clock might never fire.
            linger.Timer = TimeProvider.CreateTimer(static o => ((LingeringClose)o!).TimeOut(), linger, TimeSpan.FromSeconds(linger.Seconds), Timeout.InfiniteTimeSpan);
            end.Listener = linger;
            _lingering.Add(linger);
            _blockedCount++;
            return linger;
        }

        // CLS-4: the data drains in the background; the connection now belongs to the network alone.
        return null;
    }

    private SpiResult WaitForLinger(LingeringClose linger)
    {
        using (linger.Timer)
        {
            // The peer may have read everything between the decision and the listener taking effect.
            linger.OnConnectionChanged(linger.End);
            linger.Wait();
        }

        int unsent = 0;
        lock (_lock)
        {
            if (_lingering.Remove(linger))
            {
                _blockedCount--;
            }

            if (linger.End.Listener == linger)
            {
                linger.End.Listener = null;
            }
        }

        switch (linger.Outcome)
        {
            case LingerOutcome.TimedOut:
                using (linger.End.Connection.Gate.Enter())
                {
                    unsent = linger.End.Outbound.Count;
                }

                if (linger.End.Connection.ResetFrom(linger.End))
                {
                    linger.End.Other.Signal();
                }

                Log.LingerTimedOut(_logger, linger.Seconds, unsent);
                return SpiResult.Success;
            case LingerOutcome.Interrupted:
                return WsaError.Interrupted;
            default:
                return SpiResult.Success;
        }
    }

    private static void ResetBacklog_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        if (s.Backlog is null)
        {
            return;
        }

        while (s.Backlog.TryDequeue(out var connection))
        {
            if (connection.ResetFrom(connection.Acceptor))
            {
                notifications.Kick(connection.Initiator);
            }
        }
    }
}
