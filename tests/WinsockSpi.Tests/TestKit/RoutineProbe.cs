using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Counts the runs of one completion routine: how often, on which thread, with what outcome. Thread-safe.</summary>
internal sealed class RoutineProbe
{
    private int _calls;
    private int _thread;
    private WsaError _error = WsaError.IOPending;
    private int _bytes = -1;

    /// <summary>Gets how many times the routine ran.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets the managed thread id of the last run (0 before the first).</summary>
    public int ThreadId => Volatile.Read(ref _thread);

    /// <summary>Gets the error of the last run (<see cref="WsaError.IOPending"/> before the first).</summary>
    public WsaError Error => _error;

    /// <summary>Gets the byte count of the last run (-1 before the first).</summary>
    public int Bytes => _bytes;

    /// <summary>Gets or sets something to do inside the routine, after it has been counted.</summary>
    public Action? OnRun { get; set; }

    /// <summary>Gets the routine to give to an overlapped call.</summary>
    public CompletionRoutine Routine => (error, bytes, _, _) =>
    {
        _error = error;
        _bytes = bytes;
        Volatile.Write(ref _thread, Environment.CurrentManagedThreadId);
        Interlocked.Increment(ref _calls);
        OnRun?.Invoke();
    };
}
