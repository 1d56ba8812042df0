namespace WinsockSpi.Diagnostics;

/// <summary>
/// The names under which WinsockSpi publishes metrics (<see cref="System.Diagnostics.Metrics.Meter"/>) and activities
/// (<see cref="System.Diagnostics.ActivitySource"/>); docs/diagnostics.md lists every instrument, unit and tag.
/// </summary>
public static class WinsockSpiDiagnostics
{
    /// <summary>The name of the meter: <c>WinsockSpi</c>.</summary>
    public const string MeterName = "WinsockSpi";

    /// <summary>The name of the activity source: <c>WinsockSpi</c> (activities <c>WSPStartup</c>, <c>WSPCleanup</c>, <c>WSPCloseSocket</c>).</summary>
    public const string ActivitySourceName = "WinsockSpi";
}
