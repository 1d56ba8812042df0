using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// Threads and waits for tests: every wait is bounded by <see cref="WaitLimit"/>, none is a sleep, and each returns as
/// soon as its condition holds. A bug therefore fails a test in seconds instead of hanging the suite.
/// </summary>
/// <remarks>
/// Blocking calls of the simulator (a blocking receive, <c>GetOverlappedResult(wait: true)</c>, an alertable wait
/// without timeout, a close that lingers) must never run unbounded on the test thread: start them with
/// <see cref="Start{T}(Func{T})"/> or <see cref="StartBlocked{T}(ProviderRuntime, Func{T})"/> and collect them with
/// <see cref="Join{T}(Task{T}, string?)"/>, or run them through <see cref="RunBounded{T}(Func{T}, string)"/>.
/// </remarks>
internal static class TestThreads
{
    /// <summary>The most any wait of a test may take; reached only when the simulator is broken.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking calls must not starve the pool).</summary>
    /// <typeparam name="T">What the body returns.</typeparam>
    /// <param name="body">The work, usually one blocking call of the simulator.</param>
    /// <returns>The running work.</returns>
    public static Task<T> Start<T>(Func<T> body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking calls must not starve the pool).</summary>
    /// <param name="body">The work, usually one blocking call of the simulator.</param>
    /// <returns>The running work.</returns>
    public static Task Start(Action body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Waits for <paramref name="task"/> and returns its result.</summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="task">Work started by <see cref="Start{T}(Func{T})"/>.</param>
    /// <param name="what">What the work is, for the failure message.</param>
    /// <param name="timeout">The bound; <see cref="WaitLimit"/> when null.</param>
    /// <returns>The work's result.</returns>
    /// <exception cref="HarnessAssertionException">The work did not end within the bound.</exception>
    public static T Join<T>(Task<T> task, string? what = null, TimeSpan? timeout = null)
    {
        Join((Task)task, what, timeout);
        return task.Result;
    }

    /// <summary>Waits for <paramref name="task"/>, rethrowing what it threw.</summary>
    /// <param name="task">Work started by <see cref="Start(Action)"/>.</param>
    /// <param name="what">What the work is, for the failure message.</param>
    /// <param name="timeout">The bound; <see cref="WaitLimit"/> when null.</param>
    /// <exception cref="HarnessAssertionException">The work did not end within the bound.</exception>
    public static void Join(Task task, string? what = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = timeout ?? WaitLimit;
        bool ended;
        try
        {
            ended = task.Wait(limit);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }

        if (!ended)
        {
            throw new HarnessAssertionException(
                $"{what ?? "The worker"} did not finish within {limit.TotalSeconds:0.###} s (task status {task.Status}): a blocked call was never released.");
        }
    }

    /// <summary>
    /// The blocked-call helper: runs a call that might block on another thread and waits for it, bounded, so a call that
    /// never returns fails the test instead of hanging it.
    /// </summary>
    /// <typeparam name="T">What the call returns.</typeparam>
    /// <param name="call">The call.</param>
    /// <param name="what">What the call is, for the failure message (for example "GetOverlappedResult(wait: true)").</param>
    /// <param name="timeout">The bound; <see cref="WaitLimit"/> when null.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="HarnessAssertionException">The call did not return within the bound.</exception>
    public static T RunBounded<T>(Func<T> call, string what, TimeSpan? timeout = null) => Join(Start(call), what, timeout);

    /// <summary>Starts <paramref name="body"/> and waits until it is blocked in <paramref name="runtime"/>.</summary>
    /// <typeparam name="T">What the body returns.</typeparam>
    /// <param name="runtime">The provider the body blocks in.</param>
    /// <param name="body">One blocking call.</param>
    /// <returns>The blocked work; collect it with <see cref="Join{T}(Task{T}, string?)"/>.</returns>
    /// <exception cref="HarnessAssertionException">The call never blocked, or returned at once.</exception>
    public static Task<T> StartBlocked<T>(ProviderRuntime runtime, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        int before = runtime.Operations.BlockedCallCount;
        var task = Start(body);
        WaitForBlockedCalls(runtime, before + 1, task);
        if (task.IsCompleted)
        {
            throw new HarnessAssertionException($"The call was expected to stay blocked but returned ({task.Status}).");
        }

        return task;
    }

    /// <summary>Waits for <paramref name="runtime"/> to have exactly <paramref name="count"/> threads blocked in it.</summary>
    /// <param name="runtime">The provider.</param>
    /// <param name="count">The number of blocked calls to wait for.</param>
    /// <exception cref="HarnessAssertionException">The count was not reached within <see cref="WaitLimit"/>.</exception>
    public static void WaitForBlockedCalls(ProviderRuntime runtime, int count) => WaitForBlockedCalls(runtime, count, worker: null);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    /// <param name="condition">The condition, polled without sleeping.</param>
    /// <param name="what">What the condition means, for the failure message.</param>
    /// <exception cref="HarnessAssertionException">The condition did not hold within <see cref="WaitLimit"/>.</exception>
    public static void SpinUntil(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(condition, WaitLimit))
        {
            throw new HarnessAssertionException($"Timed out after {WaitLimit.TotalSeconds:0} s waiting until {what}.");
        }
    }

    /// <summary>Waits for a handshake between test threads (it returns as soon as it is set).</summary>
    /// <param name="gate">The handshake.</param>
    /// <exception cref="HarnessAssertionException">The gate was not set within <see cref="WaitLimit"/>.</exception>
    public static void WaitFor(ManualResetEventSlim gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        if (!gate.Wait(WaitLimit))
        {
            throw new HarnessAssertionException("A test thread never reached its handshake: the gate is still unset.");
        }
    }

    /// <summary>Meets the other threads at <paramref name="barrier"/> (it returns as soon as all arrived).</summary>
    /// <param name="barrier">The meeting point of a race's threads.</param>
    /// <exception cref="HarnessAssertionException">Not every participant arrived within <see cref="WaitLimit"/>.</exception>
    public static void Meet(Barrier barrier)
    {
        ArgumentNullException.ThrowIfNull(barrier);
        if (!barrier.SignalAndWait(WaitLimit))
        {
            throw new HarnessAssertionException(
                $"Only {barrier.ParticipantCount - barrier.ParticipantsRemaining} of {barrier.ParticipantCount} threads reached the barrier (phase {barrier.CurrentPhaseNumber}).");
        }
    }

    /// <summary>Waits for an event that must be set (it returns as soon as it is).</summary>
    /// <param name="ev">The event.</param>
    /// <exception cref="HarnessAssertionException">The event was not set within <see cref="WaitLimit"/>.</exception>
    public static void AssertSet(WsaEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        if (!ev.Wait(WaitLimit))
        {
            throw new HarnessAssertionException($"The event was never set (waited {WaitLimit.TotalSeconds:0} s).");
        }
    }

    private static void WaitForBlockedCalls(ProviderRuntime runtime, int count, Task? worker)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        bool reached = SpinWait.SpinUntil(() => runtime.Operations.BlockedCallCount == count || worker?.IsCompleted == true, WaitLimit);
        if (worker?.IsFaulted == true)
        {
            throw new HarnessAssertionException($"The call threw instead of blocking: {worker.Exception!.InnerException}");
        }

        if (!reached)
        {
            throw new HarnessAssertionException($"Expected {count} blocked calls, saw {runtime.Operations.BlockedCallCount}.");
        }
    }
}
