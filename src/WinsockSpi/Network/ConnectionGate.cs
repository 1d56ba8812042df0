using System.Diagnostics;

namespace WinsockSpi.Network;

/// <summary>
/// The lock of one <see cref="Connection"/>: a test-and-set lock taken with one compare-exchange and released with
/// one store. Not reentrant.
/// </summary>
/// <remarks>
/// Every section under it is a few field updates and at most one copy between a buffer and a pipe, and never calls
/// out (listeners are called with no connection lock held), so a waiter waits for a short copy: it spins, then yields
/// its time slice. A <see cref="Lock"/> costs two interlocked operations and a thread-id lookup per round trip, and a
/// pending overlapped operation that completes crosses a connection lock three times.
/// </remarks>
internal sealed class ConnectionGate
{
    private int _held;
#if DEBUG
    private int _owner;
#endif

    /// <summary>Takes the lock; dispose the scope to release it: <c>using (connection.Gate.Enter()) { ... }</c>.</summary>
    /// <returns>The scope that releases it.</returns>
    public Scope Enter()
    {
#if DEBUG
        Debug.Assert(Volatile.Read(ref _owner) != Environment.CurrentManagedThreadId, "A connection lock is not reentrant.");
#endif
        if (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            EnterContended();
        }
#if DEBUG
        _owner = Environment.CurrentManagedThreadId;
#endif
        return new Scope(this);
    }

    private void Exit()
    {
#if DEBUG
        _owner = 0;
#endif
        Volatile.Write(ref _held, 0);
    }

    private void EnterContended()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }

    /// <summary>Releases the lock when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly ConnectionGate _gate;

        internal Scope(ConnectionGate gate) => _gate = gate;

        public void Dispose() => _gate.Exit();
    }
}
