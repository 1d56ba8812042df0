using System.Collections.Concurrent;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>The process's upcall table, counting every notification the provider makes, per operation and in all.</summary>
internal sealed class CountingUpcalls(SimulatedProcess process) : IUpcalls
{
    private readonly ProcessUpcalls _inner = new(process);

    /// <inheritdoc/>
    public BlockingCallback? QueryBlockingCallback() => _inner.QueryBlockingCallback();

    /// <inheritdoc/>
    public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam) => _inner.PostMessage(window, message, wParam, lParam);

    private readonly ConcurrentDictionary<WsaOverlapped, int> _perOperation = new(ReferenceEqualityComparer.Instance);
    private int _total;

    /// <summary>Gets every notification so far (routines queued and completions made known).</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Gets how many notifications one operation received.</summary>
    public int Of(WsaOverlapped overlapped) => _perOperation.GetValueOrDefault(overlapped);

    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        if (context is WsaOverlapped overlapped)
        {
            Count(overlapped);
        }

        return _inner.QueueApc(thread, routine, context);
    }

    public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        Count(completion.Overlapped);
        return _inner.CompleteOverlappedRequest(completion);
    }

    private void Count(WsaOverlapped overlapped)
    {
        _perOperation.AddOrUpdate(overlapped, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
    }
}
