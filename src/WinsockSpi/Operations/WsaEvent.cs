namespace WinsockSpi.Operations;

/// <summary>
/// A manual-reset event object (WSAEVENT): set when an overlapped operation that names it completes
/// (OVL-4), or when a selected network event is recorded (SEL-1).
/// </summary>
/// <remarks>Thread-safe. Waits are real waits: they return as soon as the event is set.</remarks>
public sealed class WsaEvent : IDisposable
{
    private readonly ManualResetEventSlim _event;

    /// <summary>Creates an event.</summary>
    /// <param name="initialState">Whether it starts signalled.</param>
    public WsaEvent(bool initialState = false) => _event = new ManualResetEventSlim(initialState, spinCount: 0);

    /// <summary>Gets whether the event is signalled.</summary>
    public bool IsSet => _event.IsSet;

    /// <summary>Gets how many times the event went from reset to set: lets tests prove a notification happened exactly once.</summary>
    public int SetCount => Volatile.Read(ref _setCount);

    private int _setCount;

    /// <summary>Signals the event (WSASetEvent).</summary>
    public void Set()
    {
        if (!_event.IsSet)
        {
            Interlocked.Increment(ref _setCount);
        }

        _event.Set();
    }

    /// <summary>Resets the event (WSAResetEvent).</summary>
    public void Reset() => _event.Reset();

    /// <summary>Waits until the event is signalled (a non-alertable wait: no queued call runs).</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>Whether the event was signalled.</returns>
    public bool Wait(TimeSpan timeout) => _event.Wait(timeout);

    /// <summary>Releases the underlying wait handle, if one was created.</summary>
    public void Dispose() => _event.Dispose();
}
