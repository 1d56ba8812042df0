using System.Text;
using WinsockSpi;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Testing;

namespace HarnessTests;

/// <summary>
/// The retrying client against scripted servers. Every blocking call of the client runs on the test thread: each script
/// reacts inside the client's own send, so its reply is waiting when the client's recv runs. Only the linger test
/// needs a second thread, because the clock must move while the close blocks.
/// </summary>
public sealed class RetryingClientTests
{
    [Fact]
    public void Exchange_FirstConnectionReset_RetriesOnANewConnection()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(
            new PeerScript().Expect("PING"u8).Reset(),
            new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close());
        var client = new RetryingClient(h.Api, server.EndPoint);

        var reply = client.Exchange("PING"u8, 4);

        Assert.Equal("PONG", Encoding.ASCII.GetString(reply));
        Assert.Equal(2, client.Connections);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Exchange_EveryConnectionReset_GivesUpWithWsaeconnreset()
    {
        using var h = new Ws2Harness();
        var reset = new PeerScript().Expect("PING"u8).Reset();
        var server = h.AddPeerListener(reset, reset, reset);
        var client = new RetryingClient(h.Api, server.EndPoint, attempts: 3);

        var e = Assert.Throws<WinsockException>(() => client.Exchange("PING"u8, 4));

        Assert.Equal(WsaError.ConnectionReset, e.Error);
        Assert.Equal(3, client.Connections);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Exchange_ServerClosesMidReply_RetriesAndReadsTheWholeReply()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(
            new PeerScript().Expect("PING"u8).Reply("PO"u8).Close(),
            new PeerScript().Expect("PING"u8).Reply("PONG"u8));
        var client = new RetryingClient(h.Api, server.EndPoint);

        Assert.Equal("PONG"u8.ToArray(), client.Exchange("PING"u8, 4));
        Assert.Equal(2, client.Connections);
    }

    [Fact]
    public void Shutdown_WhileAReceiveIsPending_AbortsItWithoutNotification()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(new PeerScript().Stall());
        var client = new RetryingClient(h.Api, server.EndPoint);
        using var done = new WsaEvent();
        var push = client.ListenForPush(done);

        Assert.Equal(0, client.Shutdown()); // the final WSACleanup

        Assert.Equal(WsaError.OperationAborted, push.Error); // CLN-4: aborted...
        Assert.False(done.IsSet);                            // ...and nobody is told
        Assert.Equal(PeerState.Reset, server.ScriptedPeers[0].Peer.State); // CLN-6
        h.AssertUnloadReady();
    }

    [Fact]
    public void SayGoodbye_ServerNeverReads_LingersUntilTheTimeoutThenResets()
    {
        using var h = new Ws2Harness(new HarnessOptions { PeerSendBufferSize = 1024 });
        var server = h.AddPeerListener(new PeerScript().Stall());
        var client = new RetryingClient(h.Api, server.EndPoint);
        client.EnsureConnected();

        var close = h.StartBlockingCall(() => client.SayGoodbye("bye"u8, lingerSeconds: 5), "the lingering close");
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(close.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, close.Join()); // CLS-6: returns 0 after the timeout...
        Assert.Equal(PeerState.Reset, server.ScriptedPeers[0].Peer.State); // ...having reset the connection
    }

    [Fact]
    public void SayGoodbye_ServerReadsTheFarewell_ClosesAtOnce()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(new PeerScript().Expect("bye"u8).ExpectClose());
        var client = new RetryingClient(h.Api, server.EndPoint);
        client.EnsureConnected();

        Assert.Equal(0, client.SayGoodbye("bye"u8, lingerSeconds: 5)); // the script reads inside the send: nothing lingers

        h.AssertScriptsCompleted();
    }
}
