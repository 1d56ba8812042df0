using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.TestKit;

/// <summary>The public kit's harnesses: blocking calls joined with a bound, state dumps, the Ws2 harness.</summary>
public sealed class HarnessKitTests
{
    [Fact]
    public void StartBlockingCall_ReleasedByThePeer_JoinsWithTheResult()
    {
        using var h = new SpiHarness();
        var (s, peer) = h.Connect();

        var receive = h.StartBlockingCall(() => h.Runtime.Receive(s, new byte[8]), "a blocking receive");
        Assert.False(receive.IsCompleted);
        peer.Write("abc"u8);

        Assert.Equal(3, receive.Join().Value);
    }

    [Fact]
    public void BlockingCall_NeverReleased_FailsWithTheStateDump()
    {
        using var h = new SpiHarness(new HarnessOptions { WaitLimit = TimeSpan.FromMilliseconds(200) });
        var (s, peer) = h.Connect();
        var receive = h.StartBlockingCall(() => h.Runtime.Receive(s, new byte[8]), "a receive nobody answers");

        var e = Assert.Throws<HarnessAssertionException>(() => receive.Join());

        Assert.Contains("a receive nobody answers did not return", e.Message, StringComparison.Ordinal);
        Assert.Contains("blocked call Receive on " + s, e.Message, StringComparison.Ordinal);
        peer.Write("x"u8);
        receive.Join();
    }

    [Fact]
    public void DumpState_ShowsSocketsOperationsAndTheNetwork()
    {
        using var h = new SpiHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "hello"u8.ToArray()).ThrowIfFailed();
        peer.Write("hi"u8);
        var (pendingOn, _) = h.Connect();
        h.PendReceive(pendingOn, size: 8);
        h.Runtime.EventSelect(s, new WsaEvent(), NetworkEvents.Read).ThrowIfFailed();

        string dump = h.DumpState();

        Assert.Contains("startup count 1, 2 sockets, 1 pending operations, 0 blocked calls", dump, StringComparison.Ordinal);
        Assert.Contains($"socket {s}: Connected Stream, non-blocking", dump, StringComparison.Ordinal);
        Assert.Contains("2 bytes to receive, 5 unsent", dump, StringComparison.Ordinal);
        Assert.Contains("event select Read", dump, StringComparison.Ordinal);
        Assert.Contains($"pending Receive on {pendingOn}: 0 of 8 bytes", dump, StringComparison.Ordinal);
        Assert.Contains("network: available, 1 listeners, 2 live connections", dump, StringComparison.Ordinal);
        Assert.Contains("to the acceptor 5 bytes in flight (5 sent, 0 read)", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void DumpState_ShowsEventAndWindowAssociations_AndAWaitingSelectWithItsSets()
    {
        using var h = new SpiHarness();
        var (evented, _) = h.Connect();
        var (windowed, _) = h.Connect();
        var (selected, selectedPeer) = h.Connect();
        var ev = new WsaEvent();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.EventSelect(evented, ev, NetworkEvents.Write | NetworkEvents.Close).ThrowIfFailed();
        h.Runtime.AsyncSelect(windowed, window, 0x0401, NetworkEvents.Read | NetworkEvents.Write).ThrowIfFailed();
        var select = h.StartBlockingCall(() => h.Runtime.Select([selected], null, [selected], null), "a select nothing is ready for");

        string dump = h.DumpState();

        Assert.Contains($"socket {evented}: Connected Stream, non-blocking", dump, StringComparison.Ordinal);
        Assert.Contains("event select Write, Close on an event (set), recorded Write", dump, StringComparison.Ordinal); // FD_WRITE was true at once
        Assert.Contains($"async select Read, Write to window 0x{window.Handle:X} message 1025", dump, StringComparison.Ordinal);
        Assert.Equal(1, window.MessageCount); // its FD_WRITE, posted at once
        Assert.Contains("1 blocked calls", dump, StringComparison.Ordinal);
        Assert.Contains($": 1 read, 0 write, 1 error, no timeout, on {selected}, {selected}", dump, StringComparison.Ordinal);
        Assert.Contains("blocked call Select, thread ", dump, StringComparison.Ordinal);
        selectedPeer.Write("x"u8);
        Assert.Equal(1, select.Join().Value);
        Assert.DoesNotContain("blocked call Select", h.DumpState(), StringComparison.Ordinal);
    }

    [Fact]
    public void DumpState_ListsDatagramEndpointsWithTheirOwner_AndDatagramPeers()
    {
        using var h = new SpiHarness();
        var d = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
        h.Runtime.Bind(d, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        var address = (IPEndPoint)h.Runtime.GetSockName(d).ThrowIfFailed();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0), receiveBufferSize: 8);
        Assert.True(peer.SendTo("abc"u8, address));
        Assert.True(peer.SendTo("defg"u8, address));
        Assert.Equal(5, h.Runtime.SendTo(d, "hello"u8.ToArray(), peer.LocalEndPoint).Value);
        Assert.Equal(5, h.Runtime.SendTo(d, "world"u8.ToArray(), peer.LocalEndPoint).Value); // no room: dropped at the peer

        string dump = h.DumpState();

        Assert.Contains("2 datagram endpoints, 3 datagrams delivered, 1 dropped", dump, StringComparison.Ordinal);
        Assert.Contains($"\n  datagram endpoint {address} (socket {d} of process {h.Process.Id}, provider 1): 2 messages queued (7 of 65536 bytes), 2 received, 0 dropped", dump, StringComparison.Ordinal);
        Assert.Contains($"\n  datagram peer {peer.LocalEndPoint}: 1 messages queued (5 of 8 bytes), 1 received, 1 dropped", dump, StringComparison.Ordinal);
        Assert.Contains($"socket {d}: Bound Dgram", dump, StringComparison.Ordinal);
        Assert.Contains("2 datagrams waiting", dump, StringComparison.Ordinal);
        Assert.True(dump.IndexOf("datagram endpoint", StringComparison.Ordinal) < dump.IndexOf("datagram peer", StringComparison.Ordinal));
    }

    [Fact]
    public void AssertUnloadReady_WithAPendingReceive_FailsWithTheDump()
    {
        using var h = new SpiHarness();
        var (s, _) = h.Connect();
        h.PendReceive(s);

        var e = Assert.Throws<HarnessAssertionException>(h.AssertUnloadReady);

        Assert.Contains("Expected the provider to be ready to unload", e.Message, StringComparison.Ordinal);
        Assert.Contains($"pending Receive on {s}", e.Message, StringComparison.Ordinal);
        h.Runtime.Cleanup().ThrowIfFailed();
        h.AssertUnloadReady();
    }

    [Fact]
    public void ConnectPair_GivesTwoSocketsOfOneProvider()
    {
        using var h = new SpiHarness();
        var (client, server) = h.ConnectPair();

        h.Runtime.Send(client, "abc"u8.ToArray()).ThrowIfFailed();

        Assert.Equal(3, h.RunBounded(() => h.Runtime.Receive(server, new byte[8]), "a receive of data already sent").Value);
    }

    [Fact]
    public void Ws2Harness_ConnectsThroughTheApiAndUnloadsAfterTheFinalCleanup()
    {
        using var h = new Ws2Harness();
        var (s, peer) = h.Connect();
        h.Api.send(s, "ping"u8, 4, 0);

        Assert.Equal("ping"u8.ToArray(), peer.ReadExactly(4));
        Assert.Contains("ws2_32 in", h.DumpState(), StringComparison.Ordinal);
        Assert.Throws<HarnessAssertionException>(h.AssertUnloadReady);
        Assert.Equal(0, h.Api.WSACleanup());
        Assert.Equal(PeerState.Reset, peer.State);
        h.AssertUnloadReady();
    }

    [Fact]
    public void Ws2Harness_ScriptedServer_AnswersABlockingClient()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(new PeerScript().Expect("ping"u8).Reply("pong"u8));
        nuint s = h.ConnectSocket(server.EndPoint);

        h.Api.send(s, "ping"u8, 4, 0);
        var buffer = new byte[8];

        Assert.Equal(4, h.Api.recv(s, buffer, buffer.Length, 0));
        Assert.Equal(0, h.Api.closesocket(s));
        h.AssertScriptsCompleted();
        Assert.NotEqual(SOCKET_ERROR, h.Api.WSACleanup());
    }
}
