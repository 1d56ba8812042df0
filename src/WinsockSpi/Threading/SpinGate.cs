using System.Diagnostics;

namespace WinsockSpi.Threading;

/// <summary>
/// A test-and-set lock: taken with one compare-exchange, released with one store. Not reentrant (Debug builds assert
/// it). A waiter spins, then yields its time slice, and with <c>sleepWhenLong</c> also sleeps now and then, so a long
/// section (a final cleanup of a million operations) does not keep a waiting core busy.
/// </summary>
/// <remarks>
/// <para>
/// An uncontended round trip costs one interlocked operation where <c>System.Threading.Lock</c> costs two and
/// two reads of the thread's id: in one BenchmarkDotNet run on this project's machine, 6.0 ns against 15.9 ns
/// (docs/performance.md). The library's hot paths take the provider's lock and the connection's or datagram
/// endpoint's lock once or twice per call, so the difference is a large part of their cost.
/// </para>
/// <para>
/// What it gives up: a waiter never blocks in the kernel and is not queued (no fairness), and the lock is not
/// reentrant. Every section under such a lock in the library is bounded work that never calls out: notifications,
/// listeners and user callbacks run after the lock is released.
/// </para>
/// </remarks>
internal class SpinGate
{
    private readonly int _sleep1Threshold;
    private int _held;
#if DEBUG
    private int _owner;
#endif

    /// <summary>Creates a lock whose waiters spin, yield, and sleep now and then (for sections that may be long).</summary>
    public SpinGate()
        : this(sleepWhenLong: true)
    {
    }

    /// <summary>Creates a lock whose waiters spin and yield, and sleep now and then when <paramref name="sleepWhenLong"/>.</summary>
    /// <param name="sleepWhenLong">Whether a waiter that has spun a while also sleeps (for locks whose sections may be long).</param>
    public SpinGate(bool sleepWhenLong) => _sleep1Threshold = sleepWhenLong ? 20 : -1;

    /// <summary>
    /// Gets whether the calling thread holds the lock, for Debug assertions of lock discipline. Only Debug builds track
    /// the owner; a Release build answers whether any thread holds it.
    /// </summary>
    public bool IsHeldByCurrentThread
#if DEBUG
        => Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId;
#else
        => Volatile.Read(ref _held) != 0;
#endif

    /// <summary>Takes the lock; dispose the scope to release it: <c>using (gate.Enter()) { ... }</c>.</summary>
    /// <returns>The scope that releases it.</returns>
    public Scope Enter()
    {
#if DEBUG
        Debug.Assert(Volatile.Read(ref _owner) != Environment.CurrentManagedThreadId, "A spin gate is not reentrant.");
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
        Debug.Assert(_owner == Environment.CurrentManagedThreadId, "A spin gate is released by the thread that took it.");
        _owner = 0;
#endif
        Volatile.Write(ref _held, 0);
    }

    private void EnterContended()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(_sleep1Threshold);
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }

    /// <summary>Releases the lock when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly SpinGate _gate;

        internal Scope(SpinGate gate) => _gate = gate;

        /// <summary>Releases the lock.</summary>
        public void Dispose() => _gate.Exit();
    }
}
