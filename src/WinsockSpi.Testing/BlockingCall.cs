namespace WinsockSpi.Testing;

/// <summary>
/// A blocking call of the simulator running on a thread of its own, started by
/// <see cref="SimulationHarness.StartBlockingCall{T}(Func{T}, string?)"/>: the test releases it (a peer writes, the clock
/// moves, the socket is closed, cleanup runs) and then joins it, with a bound.
/// </summary>
/// <typeparam name="T">What the call returns.</typeparam>
/// <remarks>Thread-safe.</remarks>
public sealed class BlockingCall<T>
{
    private readonly SimulationHarness _harness;

    internal BlockingCall(SimulationHarness harness, Task<T> task, string what)
    {
        _harness = harness;
        Task = task;
        What = what;
    }

    /// <summary>Gets what the call is, as failure messages name it.</summary>
    public string What { get; }

    /// <summary>Gets whether the call has returned (or thrown).</summary>
    public bool IsCompleted => Task.IsCompleted;

    /// <summary>Gets the running call, for code that composes tasks.</summary>
    public Task<T> Task { get; }

    /// <summary>Waits for the call to return, at most the harness's <see cref="SimulationHarness.WaitLimit"/>.</summary>
    /// <returns>What the call returned.</returns>
    /// <exception cref="HarnessAssertionException">The call did not return in time; the message ends with the state dump.</exception>
    public T Join() => Join(_harness.WaitLimit);

    /// <summary>Waits for the call to return, at most <paramref name="timeout"/>; rethrows what the call threw.</summary>
    /// <param name="timeout">The bound.</param>
    /// <returns>What the call returned.</returns>
    /// <exception cref="HarnessAssertionException">The call did not return in time; the message ends with the state dump.</exception>
    public T Join(TimeSpan timeout)
    {
        SimulationHarness.WaitFor(Task, timeout, () => _harness.Failure($"{What} did not return within {timeout.TotalSeconds:0.###} s: nothing released it."));
        return Task.Result;
    }

    /// <summary>Shows the call and whether it returned.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{What} ({(IsCompleted ? "returned" : "blocked")})";
}
