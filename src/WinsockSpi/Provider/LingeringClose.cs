using WinsockSpi.Network;

namespace WinsockSpi.Provider;

/// <summary>
/// A blocking close waiting for its linger time (CLS-6): it listens on the connection end the socket left, and ends
/// when the peer has read every byte, when the time passes, when the connection is reset, or when the final cleanup
/// interrupts it.
/// </summary>
internal sealed class LingeringClose(int seconds) : IConnectionListener
{
    private readonly object _gate = new();
    private int _outcome;

    /// <summary>Gets or sets the end the socket left; set once the close has decided to linger.</summary>
    public ConnectionEnd? End { get; set; }

    public int Seconds { get; } = seconds;

    /// <summary>Gets or sets the timer that ends the wait after <see cref="Seconds"/>; started with the close decision.</summary>
    public ITimer? Timer { get; set; }

    public LingerOutcome Outcome => (LingerOutcome)Volatile.Read(ref _outcome);

    public void OnConnectionChanged(ConnectionEnd end)
    {
        var state = end.Snapshot();
        if (state.Unsent == 0 || state.IsReset)
        {
            Finish(LingerOutcome.Drained);
        }
    }

    public void TimeOut() => Finish(LingerOutcome.TimedOut);

    public void Interrupt() => Finish(LingerOutcome.Interrupted);

    public void Wait()
    {
        lock (_gate)
        {
            while (Outcome == LingerOutcome.Waiting)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    private void Finish(LingerOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)LingerOutcome.Waiting) == (int)LingerOutcome.Waiting)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}

/// <summary>How a lingering close ended.</summary>
internal enum LingerOutcome
{
    /// <summary>Still waiting; becomes one of the others exactly once.</summary>
    Waiting = 0,

    /// <summary>The peer read every byte (or the connection was reset meanwhile): close returns 0.</summary>
    Drained = 1,

    /// <summary>The linger time passed: the connection is reset and close returns 0 (CLS-6).</summary>
    TimedOut = 2,

    /// <summary>The final cleanup interrupted the close: it returns WSAEINTR (CLN-5).</summary>
    Interrupted = 3,
}
