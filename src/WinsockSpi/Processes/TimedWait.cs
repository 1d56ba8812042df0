namespace WinsockSpi.Processes;

/// <summary>
/// A timeout measured on a <see cref="TimeProvider"/> for a thread waiting on a monitor: when the time has passed, it
/// marks itself expired and pulses the monitor, so a fake clock moved by a test ends the wait exactly as real time would.
/// </summary>
/// <remarks>
/// Timers accept a due time of at most about 49.7 days; a longer timeout re-arms in steps until the whole time has passed,
/// so every wait in the library accepts any timeout up to <see cref="TimeSpan.MaxValue"/>. Dispose it after the wait.
/// </remarks>
internal sealed class TimedWait : IDisposable
{
    private static readonly TimeSpan s_maxStep = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly object _monitor;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly long _start;
    private readonly ITimer _timer;
    private bool _expired;

    private TimedWait(object monitor, TimeProvider time, TimeSpan timeout)
    {
        _monitor = monitor;
        _time = time;
        _timeout = timeout;
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(static o => ((TimedWait)o!).OnTick(), this, Step(timeout), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets whether the time has passed. Read under the monitor.</summary>
    public bool Expired => _expired;

    /// <summary>
    /// Starts measuring <paramref name="timeout"/>; <see langword="null"/> for <see cref="Timeout.InfiniteTimeSpan"/>.
    /// Call with the monitor held or not; the tick takes it.
    /// </summary>
    /// <param name="monitor">The object the waiter waits on with <see cref="Monitor.Wait(object)"/>.</param>
    /// <param name="time">The clock.</param>
    /// <param name="timeout">A positive time, or infinite.</param>
    /// <returns>The wait, to dispose after waiting.</returns>
    public static TimedWait? Start(object monitor, TimeProvider time, TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan ? null : new TimedWait(monitor, time, timeout);

    /// <summary>Checks a timeout argument: infinite (-1 ms) or not negative. Any finite length is accepted.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <param name="name">The parameter name.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative and not infinite.</exception>
    public static void Validate(TimeSpan timeout, string name)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, timeout, "A timeout is Timeout.InfiniteTimeSpan or not negative.");
        }
    }

    /// <summary>Stops the timer.</summary>
    public void Dispose() => _timer.Dispose();

    private static TimeSpan Step(TimeSpan remaining) => remaining > s_maxStep ? s_maxStep : remaining;

    private void OnTick()
    {
        var remaining = _timeout - _time.GetElapsedTime(_start);
        lock (_monitor)
        {
            if (remaining > TimeSpan.Zero)
            {
                _timer.Change(Step(remaining), Timeout.InfiniteTimeSpan);
                return;
            }

            _expired = true;
            Monitor.PulseAll(_monitor);
        }
    }
}
