using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Layering;

/// <summary>The process's own upcall table, counting the completions and APCs that reach it.</summary>
internal sealed class RecordingUpcalls(SimulatedProcess process) : ProcessUpcalls(process)
{
    private int _completions;
    private int _apcs;

    public int Completions => Volatile.Read(ref _completions);

    public int Apcs => Volatile.Read(ref _apcs);

    public override WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        Interlocked.Increment(ref _completions);
        return base.CompleteOverlappedRequest(in completion);
    }

    public override WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        Interlocked.Increment(ref _apcs);
        return base.QueueApc(thread, routine, context);
    }
}
