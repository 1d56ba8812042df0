namespace WinsockSpi.Tracing;

/// <summary>Compares traces for golden-trace tests, naming the first step where they part.</summary>
public static class TraceComparison
{
    /// <summary>Finds the first difference between two traces.</summary>
    /// <param name="expected">The golden trace.</param>
    /// <param name="actual">The trace of this run.</param>
    /// <returns><see langword="null"/> when they are equal; otherwise a readable message naming the first step that differs.</returns>
    /// <exception cref="ArgumentNullException">A trace is <see langword="null"/>.</exception>
    public static string? FirstDifference(IReadOnlyList<TraceEvent> expected, IReadOnlyList<TraceEvent> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        int common = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"The traces part at step {i + 1} of {expected.Count} expected:\n"
                    + $"  expected: {expected[i]}\n"
                    + $"  actual:   {actual[i]}\n"
                    + (i > 0 ? $"  after:    {expected[i - 1]}" : "  (the first step)");
            }
        }

        if (expected.Count > actual.Count)
        {
            return $"The actual trace ends after {actual.Count} steps; {expected.Count} were expected. The next expected step:\n  {expected[common]}";
        }

        if (actual.Count > expected.Count)
        {
            return $"The actual trace has {actual.Count} steps; only {expected.Count} were expected. The first extra step:\n  {actual[common]}";
        }

        return null;
    }

    /// <summary>Finds the first difference between two traces given as JSON (<see cref="TraceJson"/>).</summary>
    /// <param name="expectedJson">The golden trace.</param>
    /// <param name="actualJson">The trace of this run.</param>
    /// <returns><see langword="null"/> when they hold the same steps; otherwise a readable message.</returns>
    /// <exception cref="ArgumentNullException">A text is <see langword="null"/>.</exception>
    /// <exception cref="System.Text.Json.JsonException">A text is not a trace.</exception>
    public static string? FirstDifference(string expectedJson, string actualJson)
        => FirstDifference(TraceJson.Deserialize(expectedJson), TraceJson.Deserialize(actualJson));
}
