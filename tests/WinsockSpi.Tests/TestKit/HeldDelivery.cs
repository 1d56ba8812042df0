using System.Collections.Concurrent;
using NSubstitute;
using NSubstitute.Extensions;
using WinsockSpi.Operations;
using WinsockSpi.Processes;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// A notification held inside its delivery (from a completion hook) while other threads act: the thread delivering it
/// calls <see cref="Hold"/>, the test waits with <see cref="WaitUntilHeld"/>, acts, then <see cref="Release"/>s it.
/// Every wait is bounded by <see cref="TestThreads.WaitLimit"/>.
/// </summary>
internal sealed class HeldDelivery : IDisposable
{
    private readonly ManualResetEventSlim _inside = new();
    private readonly ManualResetEventSlim _release = new();

    /// <summary>
    /// Starts the provider once more with an upcall table whose completion upcall runs <paramref name="before"/>, makes the
    /// completion known as the process's table does, then runs <paramref name="after"/>: a place to hold or probe a
    /// delivery while other threads act.
    /// </summary>
    /// <param name="h">The harness (its provider gets one more startup).</param>
    /// <param name="before">Runs before the completion is made known.</param>
    /// <param name="after">Runs after it, if given.</param>
    public static void StartWithCompletionHook(ProviderHarness h, Action<OverlappedCompletion> before, Action<OverlappedCompletion>? after = null)
    {
        var process = new ProcessUpcalls(h.Runtime.Process);
        var table = UpcallSpy.Forwarding(process); // every other upcall as the process's table answers it
        table.CompleteOverlappedRequest(Arg.Any<OverlappedCompletion>()).Returns(call =>
        {
            var completion = call.Arg<OverlappedCompletion>();
            before(completion);
            var result = process.CompleteOverlappedRequest(completion);
            after?.Invoke(completion);
            return result;
        });
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _, table));
    }

    /// <summary>
    /// Starts the provider once more with an upcall table whose <c>WPUQueueApc</c> runs <paramref name="before"/> with the
    /// target thread, then queues the routine as the process's table does: a place to act between an operation's
    /// publication and the queueing of its routine.
    /// </summary>
    /// <param name="h">The harness (its provider gets one more startup).</param>
    /// <param name="before">Runs before the routine is queued.</param>
    public static void StartWithApcHook(ProviderHarness h, Action<WsaThreadId> before)
    {
        var table = WithApcHook(h.Runtime.Process, (process, thread, routine, context) =>
        {
            before(thread);
            return process.QueueApc(thread, routine, context);
        });
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _, table));
    }

    /// <summary>
    /// Creates an upcall table that answers every upcall as the process's own table does, except <c>WPUQueueApc</c>,
    /// which <paramref name="queueApc"/> answers (given that table, to queue as it would: the routine itself, or one
    /// wrapped around it).
    /// </summary>
    /// <param name="process">The process whose table it stands for.</param>
    /// <param name="queueApc">The answer to <c>WPUQueueApc</c>: the process's table, the thread, the routine, its context.</param>
    /// <returns>The table, to pass to a provider's startup.</returns>
    public static IUpcalls WithApcHook(SimulatedProcess process, Func<ProcessUpcalls, WsaThreadId, ApcRoutine, object?, WsaError> queueApc)
    {
        var processTable = new ProcessUpcalls(process);
        var table = UpcallSpy.Forwarding(processTable);
        table.Configure().QueueApc(null!, null!, null).ReturnsForAnyArgs(
            call => queueApc(processTable, call.ArgAt<WsaThreadId>(0), call.ArgAt<ApcRoutine>(1), call.ArgAt<object?>(2)));
        return table;
    }

    /// <summary>
    /// Starts the final cleanup of <paramref name="h"/> on another thread (its startup by
    /// <see cref="StartWithCompletionHook"/> is cleaned up first) and returns once it waits for another thread's
    /// deliveries. When it ends, "cleanup returned" goes to <paramref name="order"/>, then <paramref name="atReturn"/> runs.
    /// </summary>
    /// <param name="h">The harness, started twice.</param>
    /// <param name="order">Where the test records the order of events.</param>
    /// <param name="what">What the cleanup waits for (the message if it never does).</param>
    /// <param name="atReturn">Reads what the test checks at the moment the cleanup returned.</param>
    /// <returns>The cleanup: what the final cleanup threw, or null when it succeeded.</returns>
    public static Task<Exception?> StartWaitingFinalCleanup(ProviderHarness h, ConcurrentQueue<string> order, string what, Action? atReturn = null)
    {
        var cleanup = TestThreads.Start(() =>
        {
            h.Runtime.Cleanup().ThrowIfFailed(); // the extra startup
            var thrown = Record.Exception(() => h.Runtime.Cleanup().ThrowIfFailed());
            order.Enqueue("cleanup returned");
            atReturn?.Invoke();
            return thrown;
        });
        TestThreads.SpinUntil(() => h.Runtime.QuiescenceWaiters == 1, what);
        return cleanup;
    }

    /// <summary>Holds the calling delivery until <see cref="Release"/>; called from inside it.</summary>
    public void Hold()
    {
        _inside.Set();
        Assert.True(_release.Wait(TestThreads.WaitLimit, TestContext.Current.CancellationToken), "the held delivery was never released");
    }

    /// <summary>Waits until a delivery is held.</summary>
    public void WaitUntilHeld() => Assert.True(_inside.Wait(TestThreads.WaitLimit, TestContext.Current.CancellationToken), "no delivery was held");

    /// <summary>Lets the held delivery go on.</summary>
    public void Release() => _release.Set();

    /// <inheritdoc/>
    public void Dispose()
    {
        _inside.Dispose();
        _release.Dispose();
    }
}
