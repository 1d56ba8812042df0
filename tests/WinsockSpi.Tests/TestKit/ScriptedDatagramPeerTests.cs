using System.Net;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Sockets;
using WinsockSpi.Tracing;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// Scripted datagram peers (DGM-1): the script answers inside the client's own send, so a blocking sendto then recvfrom
/// runs on the test thread with no second thread and no wait (DGM-1 carries the datagrams). Only the timeout test blocks, because the clock must move.
/// </summary>
public sealed class ScriptedDatagramPeerTests
{
    [Fact]
    public void Script_ExpectReply_AnswersABlockingProviderClientOnTheTestThread()
    {
        using var h = new ProviderHarness();
        var server = h.AddDatagramPeer(new DatagramPeerScript().Expect("PING"u8).Reply("PONG"u8));
        var s = Datagrams.Bound(h, out var clientAddress);

        Assert.Equal(4, h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).Value);
        var buffer = new byte[16];
        var from = new SourceAddress();
        int n = h.Runtime.ReceiveFrom(s, buffer, from).Value; // blocking: the reply is already queued

        Assert.Equal("PONG", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(server.EndPoint, from.EndPoint);
        Assert.Equal(ScriptedPeerStatus.Completed, server.Status);
        Assert.Equal(2, server.StepIndex);
        Assert.Equal(1, server.DatagramsReceived);
        Assert.Equal(1, server.DatagramsSent);
        Assert.Equal(0, server.DatagramsIgnored);
        var taken = Assert.Single(server.Received);
        Assert.Equal("PING"u8.ToArray(), taken.Data);
        Assert.Equal(clientAddress, taken.Source);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_ExpectReply_AnswersSendtoThenRecvfromThroughWs2OnOneThread()
    {
        using var h = new Ws2Harness();
        var server = h.AddDatagramPeer(new DatagramPeerScript()
            .Expect("TIME?"u8).Reply("12:00"u8)
            .ExpectLength(3).Reply("bye"u8));
        var api = h.Api;
        nuint s = api.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        var buffer = new byte[16];
        var from = new SourceAddress();

        Assert.Equal(5, api.sendto(s, "TIME?"u8.ToArray(), 5, 0, server.EndPoint));
        Assert.Equal(5, api.recvfrom(s, buffer, buffer.Length, 0, from));
        Assert.Equal("12:00", Encoding.ASCII.GetString(buffer, 0, 5));
        Assert.Equal(3, api.sendto(s, "end"u8.ToArray(), 3, 0, server.EndPoint));
        Assert.Equal(3, api.recvfrom(s, buffer, buffer.Length, 0, from));

        Assert.Equal("bye", Encoding.ASCII.GetString(buffer, 0, 3));
        Assert.Equal(server.EndPoint, from.EndPoint);
        Assert.Equal(ScriptedPeerStatus.Completed, server.Status);
        Assert.Equal(2, server.DatagramsReceived);
        Assert.Equal(2, server.DatagramsSent);
        Assert.Equal(0, api.closesocket(s));
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_ExpectationFails_NamesTheByteOffsetAndFailsTheHarness()
    {
        var h = new ProviderHarness();
        var server = h.AddDatagramPeer(new DatagramPeerScript().Expect("PING"u8).Reply("PONG"u8));
        var s = Datagrams.Bound(h, out var clientAddress);

        h.Runtime.SendTo(s, "PIXG"u8.ToArray(), server.EndPoint).ThrowIfFailed();

        Assert.Equal(ScriptedPeerStatus.Failed, server.Status);
        Assert.Contains("step 1 of 2 (Expect 4 bytes \"PING\")", server.Failure, StringComparison.Ordinal);
        Assert.Contains($"datagram 1 (from {clientAddress}): the client sent 0x58 'X' at byte offset 2 where 0x4E 'N' was expected", server.Failure, StringComparison.Ordinal);
        Assert.Equal(0, server.DatagramsSent); // the script stopped: no reply
        Assert.Equal(WsaError.WouldBlock, Datagrams.NonBlockingReceive(h, s));
        var e = Assert.Throws<HarnessAssertionException>(h.AssertScriptsCompleted);
        Assert.Contains("byte offset 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("scripted datagram peer", e.Message, StringComparison.Ordinal);
        var onDispose = Assert.Throws<HarnessAssertionException>(h.Dispose);
        Assert.Contains("A scripted peer's expectation failed", onDispose.Message, StringComparison.Ordinal);
        Assert.Contains("--- state ---", onDispose.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_DatagramShorterOrLongerThanExpected_NamesWhereItEndsOrGoesOn()
    {
        using var network = new NetworkScope();
        var shortRun = network.Network.AddDatagramPeer(new IPEndPoint(IPAddress.Loopback, 0), new DatagramPeerScript().Expect("PING"u8));
        var longRun = network.Network.AddDatagramPeer(new IPEndPoint(IPAddress.Loopback, 0), new DatagramPeerScript().Expect("PING"u8));
        var lengthRun = network.Network.AddDatagramPeer(new IPEndPoint(IPAddress.Loopback, 0), new DatagramPeerScript().ExpectLength(4));
        using var client = network.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));

        client.SendTo("PIN"u8, shortRun.EndPoint);
        client.SendTo("PINGS"u8, longRun.EndPoint);
        client.SendTo("PINGS"u8, lengthRun.EndPoint);

        Assert.Contains("it ends at byte offset 3 (3 bytes) where 4 bytes were expected", shortRun.Failure, StringComparison.Ordinal);
        Assert.Contains("it has 1 more bytes from byte offset 4 (first 0x53 'S') where 4 bytes were expected", longRun.Failure, StringComparison.Ordinal);
        Assert.Contains("(ExpectLength 4): datagram 1", lengthRun.Failure, StringComparison.Ordinal);
        Assert.Contains("it has 5 bytes where 4 were expected", lengthRun.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_Drop_IgnoresTheFirstDatagram_TheRetryIsAnswered()
    {
        using var h = new ProviderHarness();
        var server = h.AddDatagramPeer(new DatagramPeerScript().Drop().Expect("PING"u8).Reply("PONG"u8));
        var s = Datagrams.Bound(h, out _);
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        var buffer = new byte[16];

        h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFrom(s, buffer, null).Error); // lost: no answer
        Assert.Equal(1, server.DatagramsIgnored);
        Assert.Equal(ScriptedPeerStatus.Waiting, server.Status);
        Assert.Equal(1, server.StepIndex);

        h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).ThrowIfFailed();

        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, null).Value);
        Assert.Equal("PONG"u8.ToArray(), buffer[..4]);
        Assert.Equal(1, server.DatagramsReceived);
        Assert.Equal(ScriptedPeerStatus.Completed, server.Status);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_Stall_TheClientsSelectTimesOutWhenTheFakeClockMoves()
    {
        using var h = new ProviderHarness();
        var server = h.AddDatagramPeer(new DatagramPeerScript().Expect("PING"u8).Stall().Reply("never"u8));
        var s = Datagrams.Bound(h, out _);
        h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).ThrowIfFailed();
        List<SocketHandle> read = [s];

        var select = h.StartBlockingCall(() => h.Runtime.Select(read, null, null, TimeSpan.FromSeconds(2)), "the select for the reply");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(select.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, select.Join().Value); // timed out: no reply came
        Assert.Empty(read);
        Assert.Equal(ScriptedPeerStatus.Stalled, server.Status);
        h.Runtime.SendTo(s, "again"u8.ToArray(), server.EndPoint).ThrowIfFailed();
        Assert.Equal(1, server.Peer.Available); // stalled: later datagrams wait for the test
        Assert.Equal("again"u8.ToArray(), server.Peer.Receive()!.Data);
        Assert.Equal(0, server.DatagramsSent);
        Assert.Contains("stalled at step 2 of 3", server.ToString(), StringComparison.Ordinal);
        Assert.Contains("scripted datagram peer", h.Network.DumpState(), StringComparison.Ordinal);
        h.AssertScriptsCompleted(); // a stalled script counts as ended
    }

    [Fact]
    public void Script_SendToFirst_SendsAtOnce_AndReplyWithNoSenderFails()
    {
        using var network = new NetworkScope();
        using var listener = network.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var announcer = network.Network.AddDatagramPeer(
            new IPEndPoint(IPAddress.Loopback, 0),
            new DatagramPeerScript().SendTo("HELLO"u8, (IPEndPoint)listener.LocalEndPoint).Receive());
        var replier = network.Network.AddDatagramPeer(new IPEndPoint(IPAddress.Loopback, 0), new DatagramPeerScript().Reply("x"u8));

        Assert.Equal("HELLO"u8.ToArray(), listener.Receive()!.Data);
        Assert.Equal(1, announcer.DatagramsSent);
        Assert.Equal(ScriptedPeerStatus.Waiting, announcer.Status);
        Assert.Equal(ScriptedPeerStatus.Failed, replier.Status);
        Assert.Contains("no datagram was taken yet, so there is no sender to reply to", replier.Failure, StringComparison.Ordinal);
        Assert.Equal([announcer, replier], network.Network.ScriptedDatagramPeers);
    }

    [Fact]
    public void Script_ActionThatThrows_FailsTheRun()
    {
        using var network = new NetworkScope();
        var run = network.Network.AddDatagramPeer(
            new IPEndPoint(IPAddress.Loopback, 0),
            new DatagramPeerScript().Receive().Then(_ => throw new InvalidOperationException("boom")));
        using var client = network.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));

        client.SendTo("x"u8, run.EndPoint);

        Assert.Equal(ScriptedPeerStatus.Failed, run.Status);
        Assert.Contains("step 2 of 2 (Then (action)): the action threw InvalidOperationException: boom", run.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_RecordsTheScriptsDatagramsAsPeerActions()
    {
        var trace = TracedExchange(out string mermaid);

        var peer = trace.Where(e => e.Kind == TraceEventKind.Peer).Select(e => e.Name).ToList();
        Assert.Equal(["ReceiveFrom", "Ignore", "ReceiveFrom", "SendTo"], peer);
        var reply = trace.Single(e => e.Kind == TraceEventKind.Peer && e.Name == "SendTo");
        Assert.Equal(4, reply.Value);
        Assert.Contains(" -> 127.0.0.1:", reply.Detail, StringComparison.Ordinal);
        var ignored = trace.Single(e => e.Name == "Ignore");
        Assert.True(ignored.Sequence < reply.Sequence);
        Assert.Contains(trace, e => e.Kind == TraceEventKind.Call && e.Name == "WSPBind");
        Assert.Contains("Peer", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_TheSameDatagramScenarioTwice_GivesIdenticalJson()
    {
        var first = new TraceRecorder();
        var second = new TraceRecorder();
        TracedExchange(out _, first);
        using (var other = new ProviderHarness())
        {
            other.AddDatagramPeer(new DatagramPeerScript().Receive()); // another network's peers and ports in between
        }

        TracedExchange(out _, second);

        Assert.Null(TraceComparison.FirstDifference(first.ToJson(), second.ToJson()));
        Assert.Equal(first.ToJson(), second.ToJson());
    }

    [Fact]
    public void DatagramPeerScript_ListsItsSteps()
    {
        var script = new DatagramPeerScript().Expect("PING"u8).ExpectLength(2).Receive().Drop()
            .Reply([0x01, 0x02]).SendTo("x"u8, new IPEndPoint(IPAddress.Loopback, 9)).Stall().Then(_ => { });

        Assert.Equal(8, script.StepCount);
        Assert.Equal("Expect 4 bytes \"PING\", ExpectLength 2, Receive, Drop, Reply 2 bytes 0102, SendTo 127.0.0.1:9 1 bytes \"x\", Stall, Then (action)", script.ToString());
        Assert.Equal("(no step)", new DatagramPeerScript().ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatagramPeerScript().ExpectLength(-1));

        // A datagram longer than UDP allows is refused when the script is built, not when it runs.
        Assert.Throws<ArgumentException>("bytes", () => new DatagramPeerScript().Reply(new byte[65_528]));
        Assert.Throws<ArgumentException>("bytes", () => new DatagramPeerScript().SendTo(new byte[65_508], new IPEndPoint(IPAddress.Loopback, 9)));
        Assert.Equal(1, new DatagramPeerScript().SendTo(new byte[65_507], new IPEndPoint(IPAddress.Loopback, 9)).StepCount);
        Assert.Throws<ArgumentNullException>("to", () => new DatagramPeerScript().SendTo("x"u8, null!));
    }

    /// <summary>A request lost once and then answered, recorded on the network's recorder.</summary>
    private static IReadOnlyList<TraceEvent> TracedExchange(out string mermaid, TraceRecorder? recorder = null)
    {
        recorder ??= new TraceRecorder();
        using var h = new ProviderHarness();
        h.Network.Recorder = recorder;
        var server = h.AddDatagramPeer(new DatagramPeerScript().Drop().Expect("PING"u8).Reply("PONG"u8));
        var s = Datagrams.Bound(h, out _);
        h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).ThrowIfFailed();
        h.Runtime.SendTo(s, "PING"u8.ToArray(), server.EndPoint).ThrowIfFailed();
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, new byte[8], null).Value);
        h.Network.Recorder = null;
        mermaid = recorder.ToMermaid();
        return recorder.Events;
    }

    /// <summary>A network of its own, for tests of the script alone (no provider).</summary>
    private sealed class NetworkScope : IDisposable
    {
        public SimulatedNetwork Network { get; } = new();

        public void Dispose()
        {
            foreach (var run in Network.ScriptedDatagramPeers)
            {
                run.Dispose();
            }
        }
    }
}
