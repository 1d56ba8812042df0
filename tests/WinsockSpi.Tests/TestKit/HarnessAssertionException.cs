namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// Thrown by the test kit when the simulator is not in the state a test arranged or expected: a bounded wait ran out,
/// a call did not pend, the provider's invariants broke. Any test framework reports it as a failure, so the kit needs
/// none of them; the message always says what state was found.
/// </summary>
internal sealed class HarnessAssertionException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what was found.</param>
    public HarnessAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="inner">The failure that showed it (for example the invariant check's exception).</param>
    public HarnessAssertionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HarnessAssertionException"/> class.</summary>
    public HarnessAssertionException()
    {
    }
}
