using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Testing;

/// <summary>
/// An upcall table that forwards every upcall to another one (usually the process's <see cref="ProcessUpcalls"/>) and
/// remembers it: which completion routines were queued to which thread (WPUQueueApc), which completions were made known
/// (WPUCompleteOverlappedRequest), which window messages were posted (WPUPostMessage, WSPAsyncSelect), and how often the
/// blocking hook was asked for. A test proves with it that an operation
/// was notified exactly once (OVL-5) or not at all (CLN-4).
/// </summary>
/// <remarks>Thread-safe: the provider calls it from any thread; the queries give snapshots.</remarks>
public sealed class RecordingUpcalls : IUpcalls
{
    private readonly object _sync = new();
    private readonly List<OverlappedCompletion> _completions = [];
    private readonly List<(int Thread, object? Context)> _apcs = [];
    private readonly List<RecordedMessage> _messages = [];
    private int _blockingQueries;

    /// <summary>Initializes a new instance of the <see cref="RecordingUpcalls"/> class.</summary>
    /// <param name="inner">The table that does the work.</param>
    public RecordingUpcalls(IUpcalls inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the table every upcall is forwarded to.</summary>
    public IUpcalls Inner { get; }

    /// <summary>Gets how many completion routines were queued (WPUQueueApc).</summary>
    public int ApcCount
    {
        get
        {
            lock (_sync)
            {
                return _apcs.Count;
            }
        }
    }

    /// <summary>Gets how many completions were made known (WPUCompleteOverlappedRequest).</summary>
    public int CompletionCount
    {
        get
        {
            lock (_sync)
            {
                return _completions.Count;
            }
        }
    }

    /// <summary>Gets every notification so far: <see cref="ApcCount"/> plus <see cref="CompletionCount"/>.</summary>
    public int NotificationCount
    {
        get
        {
            lock (_sync)
            {
                return _apcs.Count + _completions.Count;
            }
        }
    }

    /// <summary>Gets how many window messages the provider posted (WPUPostMessage, ASY-1), refused ones included.</summary>
    public int MessageCount
    {
        get
        {
            lock (_sync)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Gets every window message the provider posted so far, in order, with the result the inner table gave.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<RecordedMessage> Messages()
    {
        lock (_sync)
        {
            return [.. _messages];
        }
    }

    /// <summary>Gets how many times the provider asked for the blocking hook (WPUQueryBlockingCallback).</summary>
    public int BlockingQueries => Volatile.Read(ref _blockingQueries);

    /// <summary>Gives every completion made known, in order.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<OverlappedCompletion> Completions()
    {
        lock (_sync)
        {
            return [.. _completions];
        }
    }

    /// <summary>Gives the context of every queued completion routine (the overlapped object), in order.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<object?> ApcContexts()
    {
        lock (_sync)
        {
            return [.. _apcs.Select(a => a.Context)];
        }
    }

    /// <summary>Gives the managed thread id each completion routine was queued to, in order.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<int> ApcThreads()
    {
        lock (_sync)
        {
            return [.. _apcs.Select(a => a.Thread)];
        }
    }

    /// <summary>Gives how many notifications (routine queued, or completion made known) one operation received.</summary>
    /// <param name="overlapped">The operation's overlapped object.</param>
    /// <returns>The number: 1 for a notified operation (OVL-5), 0 for one aborted silently (CLN-4).</returns>
    public int NotificationsOf(WsaOverlapped overlapped)
    {
        ArgumentNullException.ThrowIfNull(overlapped);
        lock (_sync)
        {
            return _apcs.Count(a => ReferenceEquals(a.Context, overlapped)) + _completions.Count(c => ReferenceEquals(c.Overlapped, overlapped));
        }
    }

    /// <inheritdoc/>
    public BlockingCallback? QueryBlockingCallback()
    {
        Interlocked.Increment(ref _blockingQueries);
        return Inner.QueryBlockingCallback();
    }

    /// <inheritdoc/>
    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        ArgumentNullException.ThrowIfNull(thread);
        lock (_sync)
        {
            _apcs.Add((thread.ManagedThreadId, context));
        }

        return Inner.QueueApc(thread, routine, context);
    }

    /// <inheritdoc/>
    public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        lock (_sync)
        {
            _completions.Add(completion);
        }

        return Inner.CompleteOverlappedRequest(completion);
    }

    /// <inheritdoc/>
    public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam)
    {
        ArgumentNullException.ThrowIfNull(window);
        var result = Inner.PostMessage(window, message, wParam, lParam);
        lock (_sync)
        {
            _messages.Add(new RecordedMessage(window, message, wParam, lParam, result));
        }

        return result;
    }
}

/// <summary>One window message a provider posted through <see cref="RecordingUpcalls"/> (WPUPostMessage).</summary>
/// <param name="Window">The window.</param>
/// <param name="Message">The message number.</param>
/// <param name="WParam">The socket.</param>
/// <param name="LParam">WSAMAKESELECTREPLY(event, error).</param>
/// <param name="Result">What the inner table returned (WSA_INVALID_HANDLE: the window was no longer valid).</param>
public readonly record struct RecordedMessage(SimulatedWindow Window, int Message, nuint WParam, nint LParam, WsaError Result);
