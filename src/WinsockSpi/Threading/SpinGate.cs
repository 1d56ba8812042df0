using System.Diagnostics;

namespace WinsockSpi.Threading;

/// <summary>
/// A test-and-set lock: taken with one compare-exchange, released with one store. Not reentrant (Debug builds assert
/// it). A waiter spins, then yields its time slice; with <c>parkWhenLong</c> a waiter that has yielded a while parks on
/// a monitor until a release wakes it, so a long section (a select over a thousand sockets, a final cleanup of a million
/// operations) does not keep a waiting core busy.
/// </summary>
/// <remarks>
/// <para>
/// An uncontended round trip costs one interlocked operation where <c>System.Threading.Lock</c> costs two and
/// two reads of the thread's id: in one BenchmarkDotNet run on this project's machine, 6.0 ns against 15.9 ns
/// (docs/performance.md). The library's hot paths take the provider's lock and the connection's or datagram
/// endpoint's lock once or twice per call, so the difference is a large part of their cost.
/// </para>
/// <para>
/// The release is a plain store followed by a plain read of the count of parked waiters: when a waiter parks just as
/// the holder leaves, the holder may read the count before the waiter's increment and wake no one. The waiter then wakes
/// by itself after <see cref="ParkMilliseconds"/> and tries again, so a lost wake-up costs at most that long, and an
/// uncontended release pays no fence for it.
/// </para>
/// <para>
/// What it gives up: waiters are not queued (no fairness), and the lock is not reentrant. Every section under such a
/// lock in the library is bounded work: notifications, listeners and user callbacks run after the lock is released.
/// </para>
/// </remarks>
internal class SpinGate
{
    /// <summary>How long a parked waiter waits for a release's wake-up before it looks again by itself.</summary>
    internal const int ParkMilliseconds = 1;

    /// <summary>The spins and yields a waiter makes before it parks (about as long as the shortest sections take).</summary>
    private const int SpinsBeforeParking = 30;

    private readonly object? _parking;
    private int _held;
    private int _parked;
#if DEBUG
    private int _owner;
#endif

    /// <summary>Creates a lock whose waiters spin, yield, and then park until a release wakes them (for sections that may be long).</summary>
    public SpinGate()
        : this(parkWhenLong: true)
    {
    }

    /// <summary>Creates a lock whose waiters spin and yield, and park when <paramref name="parkWhenLong"/>.</summary>
    /// <param name="parkWhenLong">Whether a waiter that has spun a while parks until a release wakes it (for locks whose sections may be long).</param>
    public SpinGate(bool parkWhenLong) => _parking = parkWhenLong ? new object() : null;

    /// <summary>Gets the waiters parked now (for tests).</summary>
    internal int Parked => Volatile.Read(ref _parked);

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
        if (_parking is not null && Volatile.Read(ref _parked) != 0)
        {
            WakeOne();
        }
    }

    private void EnterContended()
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            if (_parking is null || spinner.Count < SpinsBeforeParking)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            else
            {
                Park(_parking);
            }
        }
    }

    private void Park(object parking)
    {
        Interlocked.Increment(ref _parked); // a full fence before the look at _held below
        try
        {
            lock (parking)
            {
                if (Volatile.Read(ref _held) != 0)
                {
                    Monitor.Wait(parking, ParkMilliseconds); // woken by a release, or by the bound (a wake-up lost to the release's unfenced read)
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _parked);
        }
    }

    private void WakeOne()
    {
        lock (_parking!)
        {
            Monitor.Pulse(_parking);
        }
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
