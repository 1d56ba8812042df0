namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// Where the reliability suites report their step, round and seed counts: the test's output (kept in the TRX report),
/// a diagnostic message, and the process's standard output so the counts appear in the CI log.
/// </summary>
internal static class SuiteLog
{
    /// <summary>The environment switch that turns on the long runs.</summary>
    public const string LongSwitch = "WINSOCKSPI_RELIABILITY_LONG";

    /// <summary>The environment variable that replays one seed of the model-based suite instead of a fresh one.</summary>
    public const string SeedVariable = "WINSOCKSPI_MODEL_SEED";

    /// <summary>Gets whether the long runs are switched on (<c>WINSOCKSPI_RELIABILITY_LONG=1</c>).</summary>
    public static bool Long => Environment.GetEnvironmentVariable(LongSwitch) is "1" or "true" or "True";

    /// <summary>Writes one line of counts.</summary>
    public static void Write(string line)
    {
        var text = "[reliability] " + line;
        var context = TestContext.Current;
        context.TestOutputHelper?.WriteLine(text);
        context.SendDiagnosticMessage(text);
        Console.Out.WriteLine(text);
    }

    /// <summary>Runs a suite body on its own thread with a bound, so a hang in the simulator fails the test instead of the run.</summary>
    public static Task<T> Bounded<T>(Func<T> body, int seconds = 0)
    {
        var limit = TimeSpan.FromSeconds(seconds > 0 ? seconds : Long ? 3_600 : 60);
        return Task.Factory.StartNew(body, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(limit, TestContext.Current.CancellationToken);
    }
}
