using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tracing;

namespace WinsockSpi.Tests.Tracing;

/// <summary>
/// The trace recorder: every SPI call, upcall, notification, network event and peer action in order, with thread,
/// process, provider, socket and result; its JSON and Mermaid forms; golden-trace comparison; and determinism (the same
/// scenario gives the same trace byte for byte, whatever ran before it).
/// </summary>
public class TraceRecorderTests
{
    [Fact]
    public void ARecorderOnTheNetwork_RecordsCallsUpcallsNotificationsNetworkEventsAndPeerActions_InOrder()
    {
        var recorder = new TraceRecorder();
        var trace = Scenario(recorder);

        var names = trace.Select(e => (e.Kind, e.Name)).ToList();
        Assert.Equal((TraceEventKind.Call, "WSPStartup"), names[0]);
        Assert.Contains((TraceEventKind.Network, "Connected"), names);
        Assert.Contains((TraceEventKind.Peer, "Accept"), names);
        Assert.Contains((TraceEventKind.Peer, "Write"), names);
        Assert.Contains((TraceEventKind.Upcall, "WPUCompleteOverlappedRequest"), names);
        Assert.Contains((TraceEventKind.EventSet, "EventSet"), names);
        Assert.Contains((TraceEventKind.Upcall, "WPUQueueApc"), names);
        Assert.Contains((TraceEventKind.CompletionRoutine, "CompletionRoutine"), names);
        Assert.Contains((TraceEventKind.Network, "Reset"), names);
        Assert.Equal((TraceEventKind.Call, "WSPCleanup"), names[^1]);
        Assert.Equal(Enumerable.Range(1, trace.Count).Select(i => (long)i), trace.Select(e => e.Sequence));

        // The pending receive is recorded as WSA_IO_PENDING on its socket; the peer's write completes it, then the
        // completion goes through the upcall table and sets the event.
        var pend = trace.First(e => e.Name == "WSPRecv" && e.Error == WsaError.IOPending);
        Assert.Equal(1, pend.Thread);
        Assert.Equal(1, pend.Process);
        Assert.Equal(1, pend.Provider);
        Assert.NotNull(pend.Socket);
        var write = trace.First(e => e.Kind == TraceEventKind.Peer && e.Name == "Write" && e.Sequence > pend.Sequence);
        var upcall = trace.First(e => e.Name == "WPUCompleteOverlappedRequest" && e.Sequence > write.Sequence);
        Assert.Equal(pend.Socket, upcall.Socket);
        Assert.Equal(4, upcall.Value);
        Assert.Contains(trace, e => e.Kind == TraceEventKind.EventSet && e.Sequence > upcall.Sequence && e.Socket == pend.Socket);
    }

    [Fact]
    public void TheSameScenario_GivesTheSameJsonTrace_EvenWithOtherScenariosInBetween()
    {
        string first = ScenarioJson();

        // Other providers, processes, networks and sockets in between: a process-wide counter would show in the second run.
        for (int i = 0; i < 3; i++)
        {
            using var other = new ProviderHarness();
            other.Connect(out _);
            using var third = new ProviderHarness(network: other.Network);
            third.NewSocket();
            _ = ScenarioJson();
        }

        string second = ScenarioJson();

        Assert.Null(TraceComparison.FirstDifference(first, second));
        Assert.Equal(first, second);
    }

    [Fact]
    public void AProvidersOwnRecorder_RecordsItsCallsOnly_AndTheNetworkRecorderTheRest()
    {
        var network = new SimulatedNetwork { Recorder = new TraceRecorder() };
        var own = new TraceRecorder();
        using var a = new ProviderHarness(network: network, configure: null, startups: 0);
        using var b = new ProviderHarness(network: network, startups: 0);
        a.Runtime.Recorder = own;

        a.Startup(a.Upcalls);
        b.Startup(b.Upcalls);

        var mine = Assert.Single(own.Events);
        Assert.Equal("WSPStartup", mine.Name);
        Assert.Equal(a.Process.Id, mine.Process);
        var theirs = Assert.Single(network.Recorder.Events, e => e.Kind == TraceEventKind.Call);
        Assert.Equal(b.Process.Id, theirs.Process);
        Assert.Same(own, a.Runtime.Recorder);
        Assert.Same(network.Recorder, b.Runtime.Recorder);
    }

    [Fact]
    public void Json_RoundTrips_AndFollowsTheDocumentedSchema()
    {
        var recorder = new TraceRecorder();
        var trace = Scenario(recorder);
        string json = recorder.ToJson();

        Assert.StartsWith("{\n  \"version\": 1,\n  \"events\": [\n", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"Call\"", json, StringComparison.Ordinal);
        Assert.Contains("\"error\": \"IOPending\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", json, StringComparison.Ordinal);
        Assert.Equal(trace, TraceJson.Deserialize(json));
        Assert.Throws<System.Text.Json.JsonException>(() => TraceJson.Deserialize("{\"version\": 2, \"events\": []}"));
    }

    [Fact]
    public void Mermaid_DrawsCallsAsArrowsWithResults_AndDeclaresEachParticipantOnce()
    {
        var recorder = new TraceRecorder();
        Scenario(recorder);
        recorder.Note("the end; #done");

        string diagram = recorder.ToMermaid();

        Assert.StartsWith("sequenceDiagram\n", diagram, StringComparison.Ordinal);
        Assert.Equal(1, diagram.Split('\n').Count(l => l.StartsWith("    participant P1_1 ", StringComparison.Ordinal)));
        Assert.Contains("    participant T1 as Thread 1\n", diagram, StringComparison.Ordinal);
        Assert.Contains("    T1->>P1_1: WSPStartup() requested 2.2, wVersion 2.2\n", diagram, StringComparison.Ordinal);
        Assert.Contains("    P1_1-->>T1: WSA_IO_PENDING\n", diagram, StringComparison.Ordinal);
        Assert.Contains("    Peer->>Net: Write ", diagram, StringComparison.Ordinal);
        Assert.Contains("    Note over T1: the end#59; #35;done\n", diagram, StringComparison.Ordinal);
    }

    [Fact]
    public void FirstDifference_NamesTheFirstStepThatDiffers_OrTheMissingTail()
    {
        var recorder = new TraceRecorder();
        var golden = Scenario(recorder);
        var changed = golden.ToList();
        changed[4] = changed[4] with { Error = WsaError.ConnectionReset };

        string? message = TraceComparison.FirstDifference(golden, changed);

        Assert.NotNull(message);
        Assert.Contains("step 5 of", message, StringComparison.Ordinal);
        Assert.Contains("WSAECONNRESET", message, StringComparison.Ordinal);
        Assert.Contains("ends after 3 steps", TraceComparison.FirstDifference(golden, golden.Take(3).ToList()), StringComparison.Ordinal);
        Assert.Contains("first extra step", TraceComparison.FirstDifference(golden.Take(3).ToList(), golden), StringComparison.Ordinal);
        Assert.Null(TraceComparison.FirstDifference(golden, TraceJson.Deserialize(recorder.ToJson())));
    }

    [Fact]
    public void ARecorder_KeepsAtMostMaxEvents_AndCountsTheRest()
    {
        var recorder = new TraceRecorder(maxEvents: 3);
        Scenario(recorder);

        Assert.Equal(3, recorder.Count);
        Assert.True(recorder.DroppedCount > 0);
        recorder.Clear();
        Assert.Equal(0, recorder.Count);
        Assert.Equal(0, recorder.DroppedCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TraceRecorder(0));
    }

    [Fact]
    public void HandlesProcessIdsAndPorts_DependOnlyOnTheirNetwork()
    {
        static (SocketHandle Socket, int Process, EndPoint Local) Fresh()
        {
            var network = new SimulatedNetwork();
            using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
            Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
            var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            Assert.True(runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).IsSuccess);
            return (s, runtime.Process.Id, runtime.GetSockName(s).Value);
        }

        var first = Fresh();
        using (var busy = new ProviderRuntime())
        {
            Assert.Equal(WsaError.Success, busy.Startup(WinsockVersion.V2_2, out _));
            busy.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            var second = Fresh(); // another provider is alive meanwhile, on another network
            Assert.Equal(first, second);
        }

        Assert.Equal(1, first.Process);
    }

    /// <summary>A single-threaded scenario: startup, connect, a pending receive completed by the peer, a completion routine, a reset, cleanup.</summary>
    internal static IReadOnlyList<TraceEvent> Scenario(TraceRecorder recorder)
    {
        var network = new SimulatedNetwork { Recorder = recorder };
        using var h = new ProviderHarness(network: network);
        var s = h.Connect(out var peer);
        var ov = new WsaOverlapped(new WsaEvent());
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov).Error);
        Assert.Equal(4, peer.Write("ping"u8));
        Assert.Equal(4, h.Runtime.Send(s, "pong"u8.ToArray()).Value);
        Assert.Equal("pong"u8.ToArray(), peer.ReadAvailable());

        int ran = 0;
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, new WsaOverlapped(), (_, _, _, _) => ran++).Error);
        peer.Write("x"u8);
        h.Process.AlertableWait(TimeSpan.Zero);
        Assert.Equal(1, ran);

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, new WsaOverlapped(new WsaEvent())).Error);
        peer.Reset();
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        return recorder.Events;
    }

    private static string ScenarioJson()
    {
        var recorder = new TraceRecorder();
        Scenario(recorder);
        return recorder.ToJson();
    }
}
