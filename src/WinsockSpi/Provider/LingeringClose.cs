using WinsockSpi.Network;

namespace WinsockSpi.Provider;

/// <summary>
/// A blocking close waiting for its linger time (CLS-6): it listens on the connection end the socket left, and ends
/// when the peer has read every byte, when the time passes, when the connection is reset, or when the final cleanup
/// interrupts it.
/// </summary>
internal sealed class LingeringClose(ConnectionEnd end, int seconds) : IConnectionListener
{
    private int _outcome; // 0 waiting, 1 drained, 2 timed out, 3 interrupted

    public ConnectionEnd End { get; } = end;

    public int Seconds { get; } = seconds;

    /// <summary>Gets or sets the timer that ends the wait after <see cref="Seconds"/>; started with the close decision.</summary>
    public ITimer? Timer { get; set; }

    public int Outcome => Volatile.Read(ref _outcome);

    public void OnConnectionChanged(ConnectionEnd end)
    {
        bool drained;
        using (End.Connection.Gate.Enter())
        {
            drained = End.Outbound.Count == 0 || End.Connection.IsReset;
        }

        if (drained)
        {
            Finish(1);
        }
    }

    public void TimeOut() => Finish(2);

    public void Interrupt() => Finish(3);

    public void Wait()
    {
        lock (this)
        {
            while (Outcome == 0)
            {
                Monitor.Wait(this);
            }
        }
    }

    private void Finish(int outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, outcome, 0) == 0)
        {
            lock (this)
            {
                Monitor.PulseAll(this);
            }
        }
    }
}
