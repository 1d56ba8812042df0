namespace WinsockSpi.Testing;

/// <summary>
/// Thrown by the test kit when the simulator is not in the state a test arranged or expected: a bounded wait ran out, a
/// call did not pend, a scripted peer's expectation failed, the provider's invariants broke or it is not ready to
/// unload. Every test framework reports an unexpected exception as a failure, so the kit needs none of them. The
/// message says what was expected and ends with the state dump of what was found.
/// </summary>
public sealed class HarnessAssertionException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    public HarnessAssertionException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what was found.</param>
    public HarnessAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="innerException">The failure that showed it (for example the invariant check's exception).</param>
    public HarnessAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
