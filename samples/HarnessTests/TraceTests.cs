using System.Runtime.CompilerServices;
using WinsockSpi.Network;
using WinsockSpi.Testing;
using WinsockSpi.Tracing;

namespace HarnessTests;

/// <summary>
/// The retry-on-reset exchange as a golden trace: every call of the client, every network event and every action of
/// the scripted servers, compared with golden/retry-on-reset.trace.json. Set WINSOCKSPI_UPDATE_GOLDEN=1 and run the
/// tests once to rewrite the golden file after an intended change (then review its diff).
/// </summary>
public sealed class TraceTests(ITestOutputHelper output)
{
    /// <summary>The environment variable that makes <see cref="RetryOnReset_MatchesTheGoldenTrace"/> rewrite the golden file.</summary>
    public const string UpdateVariable = "WINSOCKSPI_UPDATE_GOLDEN";

    private const string GoldenName = "golden/retry-on-reset.trace.json";

    [Fact]
    public void RetryOnReset_MatchesTheGoldenTrace()
    {
        var recorder = RetryOnReset();
        string actual = recorder.ToJson();
        output.WriteLine(recorder.ToMermaid());

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(SourcePath(GoldenName), actual);
        }

        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, GoldenName));
        string? difference = TraceComparison.FirstDifference(expected, actual);
        Assert.True(difference is null, $"The trace differs from {GoldenName} (set {UpdateVariable}=1 to rewrite it): {difference}");
    }

    [Fact]
    public void RetryOnReset_RunTwice_GivesIdenticalJson()
    {
        string first = RetryOnReset().ToJson();
        string second = RetryOnReset().ToJson();

        Assert.Null(TraceComparison.FirstDifference(first, second));
        Assert.Equal(first, second);
    }

    [Fact]
    public void RetryOnReset_TraceShowsTheResetAndTheSecondConnection()
    {
        var events = RetryOnReset().Events;

        Assert.Equal(2, events.Count(e => e.Kind == TraceEventKind.Network && e.Name == "Connected"));
        var reset = events.Single(e => e.Kind == TraceEventKind.Peer && e.Name == "Reset");
        var reply = events.Single(e => e.Kind == TraceEventKind.Peer && e.Name == "Write");
        Assert.True(reset.Sequence < reply.Sequence);
        Assert.Equal(4, reply.Value);
    }

    /// <summary>The scenario: the first server resets after the request, the second answers; the network's trace.</summary>
    private static TraceRecorder RetryOnReset()
    {
        var recorder = new TraceRecorder();
        using var h = new Ws2Harness();
        h.Network.Recorder = recorder;
        var server = h.AddPeerListener(
            new PeerScript().Expect("PING"u8).Reset(),
            new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close());
        var client = new RetryingClient(h.Api, server.EndPoint);

        Assert.Equal("PONG"u8.ToArray(), client.Exchange("PING"u8, 4));
        h.Network.Recorder = null;
        h.AssertScriptsCompleted();
        return recorder;
    }

    private static string SourcePath(string name, [CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, name);
}
