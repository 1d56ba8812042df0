namespace WinsockSpi.Provider;

/// <summary>
/// Quiescence (CLN-13): every notification is counted on its socket from the moment it is decided, under the lock, until
/// it has been made known, so a close waits for its socket's and the final cleanup for those of every socket it
/// released. A socket released while some of its notifications are still being delivered is not pooled (what is counted
/// on it stays its own) but kept on a list of draining sockets, which the final cleanup waits for one by one: no
/// provider-wide count is touched per notification.
/// </summary>
public sealed partial class ProviderRuntime
{
    private const int DrainingPruneMinimum = 16;

    private readonly object _quiescence = new();
    private readonly List<ProviderSocket> _draining = [];
    private int _drainingPruneAt = DrainingPruneMinimum;
    private int _quiescenceWaiters;

    /// <summary>Gets how many threads wait in a close or cleanup for deliveries of other threads (for tests of CLN-13).</summary>
    internal int QuiescenceWaiters => Volatile.Read(ref _quiescenceWaiters);

    /// <summary>Gets how many released sockets are on the draining list (for tests: it stays linear in those really draining).</summary>
    internal int DrainingCount
    {
        get
        {
            using (_lock.Enter())
            {
                return _draining.Count;
            }
        }
    }

    /// <summary>Wakes the closes and cleanups waiting for deliveries, if any, to re-check their counts.</summary>
    internal void WakeQuiescenceWaiters()
    {
        if (Volatile.Read(ref _quiescenceWaiters) > 0)
        {
            lock (_quiescence)
            {
                Monitor.PulseAll(_quiescence);
            }
        }
    }

    /// <summary>
    /// Keeps a socket whose last handle is gone while its notifications are still being delivered, for the final cleanup
    /// to wait for (once: a socket already on the list is not added again). Sockets whose deliveries have all been made
    /// are dropped from the list whenever it has doubled since the last pass, so it stays linear in the sockets really
    /// draining.
    /// </summary>
    internal void AddDraining_NeedsLock(ProviderSocket s)
    {
        AssertLockHeld();
        if (s.IsDraining)
        {
            return;
        }

        if (_draining.Count >= _drainingPruneAt)
        {
            _draining.RemoveAll(static d =>
            {
                d.IsDraining = d.Deliveries != 0;
                return !d.IsDraining;
            });
            _drainingPruneAt = Math.Max(DrainingPruneMinimum, 2 * _draining.Count);
        }

        s.IsDraining = true;
        _draining.Add(s);
    }

    /// <summary>Counts the deliveries still running for released sockets.</summary>
    private int DrainingDeliveries_NeedsLock()
    {
        int n = 0;
        foreach (var s in _draining)
        {
            n += s.Deliveries;
        }

        return n;
    }

    /// <summary>Counts the deliveries still running for the sockets in the table (state dumps).</summary>
    private int LiveDeliveries_NeedsLock()
    {
        var counted = new HashSet<ProviderSocket>(ReferenceEqualityComparer.Instance); // a duplicated handle names its socket again
        _table.ForEach(counted, static (c, _, s) => c.Add(s));
        int n = 0;
        foreach (var s in counted)
        {
            n += s.Deliveries;
        }

        return n;
    }

    /// <summary>
    /// Makes known what a final teardown decided (it wakes interrupted threads and signals peers; nothing else is
    /// notified), then waits for every other thread's deliveries (CLN-13), even when a peer's listener (user code of
    /// another provider) threw from those signals.
    /// </summary>
    private void DispatchTeardown(ref Notifications notifications)
    {
        try
        {
            Dispatch(ref notifications);
        }
        finally
        {
            WaitForAllDeliveries();
        }
    }

    /// <summary>
    /// Waits, after the final cleanup or an unload, until every notification decided before it has been delivered by
    /// whichever thread decided it, except those the calling thread is itself delivering (CLN-12, CLN-13). The teardown
    /// released every socket, so each one with deliveries still running is on the draining list. Called with no lock held.
    /// </summary>
    private void WaitForAllDeliveries()
    {
        ProviderSocket[] draining;
        using (_lock.Enter())
        {
            if (_draining.Count == 0)
            {
                return;
            }

            draining = [.. _draining];
        }

        foreach (var s in draining)
        {
            WaitForDeliveries(s);
        }
    }

    /// <summary>
    /// Waits until every notification already decided for <paramref name="socket"/> has been delivered by whichever thread
    /// decided it, except those the calling thread is itself delivering: a close or cleanup called from inside a
    /// notification does not wait for it (CLN-12, CLN-13). Called with no lock held.
    /// </summary>
    private void WaitForDeliveries(ProviderSocket socket)
    {
        if (socket.Deliveries == 0)
        {
            return;
        }

        int own = DeliveryScope.Undelivered(this, socket);

        // Registered before the count is read under the monitor; RemoveDelivery counts the delivery (a full fence) before
        // it reads the registration: one side always sees the other (no lost wake-up).
        Interlocked.Increment(ref _quiescenceWaiters);
        try
        {
            lock (_quiescence)
            {
                while (socket.Deliveries > own)
                {
                    Monitor.Wait(_quiescence);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _quiescenceWaiters);
        }
    }
}
