#if WINSOCKSPI_MONITOR_LOCKS || !NET9_0_OR_GREATER
namespace WinsockSpi.Threading;

/// <summary>
/// The provider's lock where the library's <c>Lock</c> is a monitor too: the Coyote build (<c>WINSOCKSPI_MONITOR_LOCKS</c>,
/// docs/coyote.md) and .NET 8. The same surface as <see cref="SpinGate"/>, taken with <see cref="Monitor"/>, which
/// Coyote schedules as one step instead of exploring a spinning waiter's every read, so a Coyote test can use the
/// net8.0 package as it is. Not to be re-entered, as a <see cref="SpinGate"/> cannot be: Debug builds assert it here too.
/// </summary>
internal sealed class MonitorGate
{
    private int _waiting;

    /// <summary>Gets whether the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => Monitor.IsEntered(this);

    /// <summary>Gets the threads waiting for the lock now (for tests, as <see cref="SpinGate"/>'s parked waiters).</summary>
    internal int Parked => Volatile.Read(ref _waiting);

    /// <summary>Takes the lock; dispose the scope to release it.</summary>
    /// <returns>The scope that releases it.</returns>
    public Scope Enter()
    {
        // A monitor would let the thread in again; the SpinGate of the other builds would wait for itself.
        System.Diagnostics.Debug.Assert(!Monitor.IsEntered(this), "The provider's lock is not reentrant.");
        if (!Monitor.TryEnter(this))
        {
            Interlocked.Increment(ref _waiting);
            Monitor.Enter(this);
            Interlocked.Decrement(ref _waiting);
        }

        return new Scope(this);
    }

    /// <summary>Releases the lock when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly MonitorGate _gate;

        internal Scope(MonitorGate gate) => _gate = gate;

        /// <summary>Releases the lock.</summary>
        public void Dispose() => Monitor.Exit(_gate);
    }
}
#endif
