using System.Runtime.ExceptionServices;

namespace WinsockSpi.Testing;

/// <summary>Blocking calls on threads of their own, and bounded waits: a bug fails a test in seconds instead of hanging it.</summary>
public abstract partial class SimulationHarness
{
    /// <summary>
    /// Starts <paramref name="call"/> on a thread of its own and returns once it is blocked in the simulation (the
    /// blocked-call count went up), so the test can release it and then <see cref="BlockingCall{T}.Join()"/> it.
    /// </summary>
    /// <typeparam name="T">What the call returns.</typeparam>
    /// <param name="call">One blocking call: a blocking receive, a lingering close, <c>GetOverlappedResult(wait: true)</c>.</param>
    /// <param name="what">What the call is, for failure messages; "the blocking call" when null.</param>
    /// <returns>The blocked call.</returns>
    /// <exception cref="HarnessAssertionException">The call returned or threw at once, or did not block within <see cref="WaitLimit"/>.</exception>
    public BlockingCall<T> StartBlockingCall<T>(Func<T> call, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        what ??= "the blocking call";
        int before = Operations.BlockedCallCount;
        var task = StartThread(call);
        bool reached = SpinWait.SpinUntil(() => Operations.BlockedCallCount > before || task.IsCompleted, WaitLimit);
        if (task.IsFaulted)
        {
            throw new HarnessAssertionException(Failure($"Expected {what} to block; it threw {task.Exception!.InnerException}"));
        }

        if (task.IsCompleted)
        {
            throw new HarnessAssertionException(Failure($"Expected {what} to block; it returned {task.Result}."));
        }

        if (!reached)
        {
            throw new HarnessAssertionException(Failure($"Expected {what} to block within {WaitLimit.TotalSeconds:0.###} s; the blocked-call count stayed {before}."));
        }

        return new BlockingCall<T>(this, task, what);
    }

    /// <summary>Runs a call that may block on a thread of its own and waits for it, bounded: a call that never returns fails instead of hanging.</summary>
    /// <typeparam name="T">What the call returns.</typeparam>
    /// <param name="call">The call.</param>
    /// <param name="what">What the call is, for the failure message.</param>
    /// <returns>What the call returned.</returns>
    /// <exception cref="HarnessAssertionException">The call did not return within <see cref="WaitLimit"/>; the message ends with the state dump.</exception>
    public T RunBounded<T>(Func<T> call, string what)
    {
        ArgumentNullException.ThrowIfNull(call);
        var task = StartThread(call);
        WaitFor(task, WaitLimit, () => Failure($"{what} did not return within {WaitLimit.TotalSeconds:0.###} s: nothing released it."));
        return task.Result;
    }

    /// <summary>Waits (bounded by <see cref="WaitLimit"/>) until <paramref name="count"/> calls are blocked in the simulation.</summary>
    /// <param name="count">The number of blocked calls.</param>
    /// <exception cref="HarnessAssertionException">The count was not reached in time.</exception>
    public void WaitForBlockedCalls(int count)
    {
        if (!SpinWait.SpinUntil(() => Operations.BlockedCallCount == count, WaitLimit))
        {
            throw new HarnessAssertionException(Failure($"Expected {count} blocked calls within {WaitLimit.TotalSeconds:0.###} s; saw {Operations.BlockedCallCount}."));
        }
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/>, rethrowing what it threw.</summary>
    internal static void WaitFor(Task task, TimeSpan timeout, Func<string> onTimeout)
    {
        bool ended;
        try
        {
            ended = task.Wait(timeout);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }

        if (!ended)
        {
            throw new HarnessAssertionException(onTimeout());
        }
    }

    // A dedicated thread: blocking calls must not starve the thread pool.
    private static Task<T> StartThread<T>(Func<T> call)
        => Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
