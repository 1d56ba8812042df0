using System.Diagnostics;

namespace WinsockSpi.Operations;

/// <summary>
/// A manual-reset event object (WSAEVENT): set when an overlapped operation that names it completes
/// (OVL-4), or when a selected network event is recorded (SEL-1).
/// </summary>
/// <remarks>
/// Thread-safe. Waits are real waits: they return as soon as the event is set. <see cref="Wait(TimeSpan)"/> accepts any
/// timeout, like every other wait of the library (<c>SimulatedProcess.AlertableWait</c>,
/// <c>CompletionPort.TryDequeue</c>). The event is a monitor and a flag rather than a
/// <see cref="ManualResetEventSlim"/>: a monitor is the one primitive that systematic concurrency testing (Coyote,
/// docs/coyote.md) controls, and a timed monitor wait can be chained past the 24.8-day limit of one wait.
/// </remarks>
public sealed class WsaEvent : IDisposable
{
    // The longest single Monitor.Wait; a longer timeout waits again for what remains.
    private static readonly TimeSpan s_maxSingleWait = TimeSpan.FromMilliseconds(int.MaxValue);

    // A plain monitor, not the library's Lock: waiters need Monitor.Wait and Monitor.PulseAll.
    private readonly object _gate = new();
    private volatile bool _isSet;
    private int _setCount;
    private int _waiters;
    private bool _disposed;

    /// <summary>Creates an event.</summary>
    /// <param name="initialState">Whether it starts signalled.</param>
    public WsaEvent(bool initialState = false) => _isSet = initialState;

    /// <summary>Gets whether the event is signalled.</summary>
    public bool IsSet => _isSet;

    /// <summary>Gets how many times the event went from reset to set: lets tests prove a notification happened exactly once.</summary>
    public int SetCount => Volatile.Read(ref _setCount);

    /// <summary>Gets how many threads are inside <see cref="Wait(TimeSpan)"/> and not yet woken: lets tests set the event only once a waiter waits.</summary>
    internal int WaiterCount
    {
        get
        {
            lock (_gate)
            {
                return _waiters;
            }
        }
    }

    /// <summary>Signals the event (WSASetEvent). Works after <see cref="Dispose"/> too: a provider may still notify an event its owner has disposed.</summary>
    public void Set()
    {
        lock (_gate)
        {
            if (_isSet)
            {
                return;
            }

            _isSet = true;
            Volatile.Write(ref _setCount, _setCount + 1);
            if (_waiters > 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Resets the event (WSAResetEvent).</summary>
    /// <exception cref="ObjectDisposedException">The event was disposed.</exception>
    public void Reset()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _isSet = false;
        }
    }

    /// <summary>Waits until the event is signalled (a non-alertable wait: no queued call runs).</summary>
    /// <param name="timeout">
    /// How long to wait: <see cref="Timeout.InfiniteTimeSpan"/> waits for ever, and any non-negative length up to
    /// <see cref="TimeSpan.MaxValue"/> is accepted (lengths past 24.8 days included), measured on the real clock.
    /// </param>
    /// <returns>Whether the event was signalled.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="ObjectDisposedException">The event was disposed.</exception>
    public bool Wait(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A timeout is Timeout.InfiniteTimeSpan or not negative.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_isSet || timeout == TimeSpan.Zero)
            {
                return _isSet;
            }

            _waiters++;
            try
            {
                return timeout == Timeout.InfiniteTimeSpan ? WaitForever_NeedsGate() : WaitFor_NeedsGate(timeout);
            }
            finally
            {
                _waiters--;
            }
        }
    }

    /// <summary>Makes later waits and resets throw <see cref="ObjectDisposedException"/>. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private bool WaitForever_NeedsGate()
    {
        while (!_isSet)
        {
            Monitor.Wait(_gate);
        }

        return true;
    }

    private bool WaitFor_NeedsGate(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (!_isSet)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            Monitor.Wait(_gate, remaining > s_maxSingleWait ? s_maxSingleWait : remaining);
        }

        return true;
    }
}
