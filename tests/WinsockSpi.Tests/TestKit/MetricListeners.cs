namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// The tests that enable the meter's instruments with a listener, which is process-wide: while one is enabled, every
/// provider of the test process makes its deliveries after its lock (to count them), so none publishes an operation
/// under it as <see cref="ProviderHarness.OnTheProcessTable"/> expects. These tests run alone, never beside the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricListeners
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Metric listeners";
}
