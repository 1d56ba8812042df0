using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// The final cleanup and process death, in one linear pass over the socket table (CLN-4..9, PRC-2): every pending
    /// overlapped operation ends with WSA_OPERATION_ABORTED and no notification, every blocking call with WSAEINTR,
    /// every open connection is reset, listeners and bindings are released, event select is dropped. Connections
    /// already closed gracefully are not the provider's any more and keep draining on the network (CLN-7).
    /// </summary>
    /// <param name="counted">Whether this instance was started, so its process is uncounted (STA-6).</param>
    /// <param name="notifications">Receives the wake-ups of interrupted threads and the peers to signal.</param>
    private TeardownReport Teardown_NeedsLock(bool counted, ref Notifications notifications)
    {
        AssertLockHeld();
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
            s.DropAsyncSelect_NeedsLock(); // ASY-3: the teardown posts no window message, not even for what it catches up
            s.CatchUp_NeedsLock(ref notifications);
        }

        var resetByTeardown = new HashSet<ConnectionEnd>(ReferenceEqualityComparer.Instance);
        Func<ConnectionEnd, bool> isOwnReset = resetByTeardown.Contains;
        foreach (var s in released)
        {
            resets += s.Abandon_NeedsLock(resetByTeardown, isOwnReset, ref notifications) ? 1 : 0;
            var (a, i) = s.AbortAll_NeedsLock(silent: true, ref notifications);
            aborted += a;
            interrupted += i;
            ReleaseSocket_NeedsLock(s);
        }

        foreach (var linger in _lingering)
        {
            linger.Interrupt();
            interrupted++;
        }

        _lingering.Clear();
        interrupted += InterruptSelects_NeedsLock();
        _blockedCount = 0;
        _pendingCount = 0;
        if (counted)
        {
            ClientProcesses.Of(Network).Remove(ProviderId, Process.Id);
        }

        return new TeardownReport(sockets, aborted, interrupted, resets);
    }

    /// <summary>
    /// Prepares a lingering close (CLS-6) before anything of the close happens: the timer is created first, so a clock
    /// that throws leaves the socket exactly as it was (the exception reaches the caller, the handle stays valid).
    /// </summary>
    private LingeringClose? PrepareLinger_NeedsLock(ProviderSocket s)
    {
        if (s.Linger is not { Enabled: true, Seconds: > 0 } || !s.Blocking || s.UnsentBytes_NeedsLock() == 0)
        {
            return null;
        }

        var linger = new LingeringClose(s.Linger.Seconds);

        // The linger time runs from this decision. A timer started once the lock is released would miss whatever time
        // passes before the closing thread gets there, and with a fake clock might never fire.
        linger.Timer = TimeProvider.CreateTimer(static o => ((LingeringClose)o!).TimeOut(), linger, TimeSpan.FromSeconds(linger.Seconds), Timeout.InfiniteTimeSpan);
        return linger;
    }

    /// <summary>Starts waiting for the peer to read the data of a lingering close, on the end the socket left (CLS-6).</summary>
    private void BeginLinger_NeedsLock(LingeringClose linger, ConnectionEnd end)
    {
        linger.End = end;
        end.Listener = linger;
        _lingering.Add(linger);
        _blockedCount++;
    }

    private SpiResult WaitForLinger(LingeringClose linger)
    {
        var end = linger.End!;
        using (linger.Timer)
        {
            // The peer may have read everything between the decision and the listener taking effect.
            linger.OnConnectionChanged(end);
            linger.Wait();
        }

        using (_lock.Enter())
        {
            if (_lingering.Remove(linger))
            {
                _blockedCount--;
            }

            if (end.Listener == linger)
            {
                end.Listener = null;
            }
        }

        switch (linger.Outcome)
        {
            case LingerOutcome.TimedOut:
                int unsent = end.Snapshot().Unsent;
                if (end.Reset())
                {
                    end.Other.Signal();
                }

                Log.LingerTimedOut(_logger, linger.Seconds, unsent);
                return SpiResult.Success;
            case LingerOutcome.Interrupted:
                return WsaError.Interrupted;
            default:
                return SpiResult.Success;
        }
    }
}
