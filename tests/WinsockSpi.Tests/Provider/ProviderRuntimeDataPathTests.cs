using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// The data path of <see cref="ProviderRuntime"/>: partial receives, end of stream, shutdown, unconnected sockets,
/// and socket-to-socket connections between two providers on one network.
/// </summary>
public sealed class ProviderRuntimeDataPathTests
{
    // ---------------------------------------------------------------- one socket and a remote peer

    [Fact]
    public void Receive_LessWaitingThanAsked_ReturnsWhatWaits()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("abc"u8);
        var buffer = new byte[100];

        var r = h.Runtime.Receive(s, buffer);

        Assert.Equal(3, r.Value);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
    }

    [Fact]
    public void Receive_SmallBuffer_ReadsTheStreamInPieces()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("0123456789"u8);
        var got = new List<byte>();
        var buffer = new byte[4];

        var sizes = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            int n = h.Runtime.Receive(s, buffer).Value;
            sizes.Add(n);
            got.AddRange(buffer[..n]);
        }

        Assert.Equal(new[] { 4, 4, 2 }, sizes.ToArray());
        Assert.Equal("0123456789"u8.ToArray(), got);
    }

    [Fact]
    public void PendingReceive_SmallerThanTheWrite_LeavesTheRestForTheNextReceive()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new byte[3];
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, first, ov).Error);

        peer.Write("abcdefg"u8);

        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal("abc"u8.ToArray(), first);
        var rest = new byte[16];
        Assert.Equal(4, h.Runtime.Receive(s, rest).Value);
        Assert.Equal("defg"u8.ToArray(), rest[..4]);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void Receive_AfterGracefulClose_ReturnsZeroEveryTime()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("xy"u8);
        peer.Close();

        Assert.Equal(2, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
    }

    [Fact]
    public void Receive_AfterShutdownOfReceiving_FailsWithShutdown()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("ignored"u8);

        h.Runtime.Shutdown(s, SocketShutdown.Receive).ThrowIfFailed();

        Assert.Equal(WsaError.Shutdown, RunBounded(() => h.Runtime.Receive(s, new byte[8]), "a blocking receive that should give Shutdown at once").Error);
        Assert.Equal(WsaError.Shutdown, h.Runtime.Receive(s, new byte[8], new WsaOverlapped()).Error);
        Assert.Equal(3, h.Runtime.Send(s, "out"u8.ToArray()).Value);
    }

    [Fact]
    public void Send_AfterShutdownOfSending_FailsWithShutdown_AndThePeerSeesFin()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        h.Runtime.Shutdown(s, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal(WsaError.Shutdown, RunBounded(() => h.Runtime.Send(s, "x"u8.ToArray()), "a blocking send that should give Shutdown at once").Error);
        Assert.Equal(10058, (int)h.Runtime.Send(s, "x"u8.ToArray(), new WsaOverlapped()).Error);
        Assert.Equal(PeerState.FinReceived, peer.State);
        peer.Write("still"u8);
        Assert.Equal(5, h.Runtime.Receive(s, new byte[8]).Value);
    }

    [Fact]
    public void ShutdownBoth_FailsBothDirections()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        h.Runtime.Shutdown(s, SocketShutdown.Both).ThrowIfFailed();

        Assert.Equal(WsaError.Shutdown, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give Shutdown at once").Error);
        Assert.Equal(WsaError.Shutdown, RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give Shutdown at once").Error);
        Assert.True(h.Runtime.Shutdown(s, SocketShutdown.Both).IsSuccess);
    }

    [Fact]
    public void DataCalls_BeforeConnect_FailWithNotConnected()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        Assert.Equal(WsaError.NotConnected, RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give NotConnected at once").Error);
        Assert.Equal(WsaError.NotConnected, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give NotConnected at once").Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.Receive(s, new byte[1], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.Shutdown(s, SocketShutdown.Send).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.GetPeerName(s).Error);
        Assert.Equal(10057, (int)WsaError.NotConnected);
    }

    [Fact]
    public void Connect_WithoutAListener_FailsWithConnectionRefused_AndTheSocketMayConnectLater()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        Assert.Equal(WsaError.ConnectionRefused, h.Runtime.Connect(s, new IPEndPoint(IPAddress.Loopback, 9)).Error);

        Assert.True(h.Runtime.Connect(s, h.Listener.EndPoint).IsSuccess);
        var peer = h.Listener.Accept();
        peer.Write("ok"u8);
        Assert.Equal(2, h.Runtime.Receive(s, new byte[2]).Value);
    }

    [Fact]
    public void Connect_Twice_FailsWithIsConnected()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        Assert.Equal(WsaError.IsConnected, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
    }

    [Fact]
    public void Connect_NonBlocking_ReturnsWouldBlockButTheConnectionIsMade()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();

        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);

        var peer = h.Listener.Accept();
        Assert.Equal(2, h.Runtime.Send(s, "hi"u8.ToArray()).Value);
        Assert.Equal("hi"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    public void NonBlockingReceive_WithNothingWaiting_FailsWithWouldBlock()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();

        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a blocking receive that should give WouldBlock at once").Error);
        peer.Write("now"u8);
        Assert.Equal(3, h.Runtime.Receive(s, new byte[4]).Value);
    }

    [Fact]
    public void DatagramSocket_NeitherConnectedNorBound_SendGivesNotConnReceiveGivesInvalListenGivesOpNotSupp()
    {
        using var h = new ProviderHarness();
        var s = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();

        Assert.Equal(WsaError.NotConnected, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give NotConnected at once").Error);
        Assert.Equal(WsaError.InvalidArgument, RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give InvalidArgument at once").Error);
        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.Listen(s, 1).Error);
    }

    [Fact]
    public void SocketInfo_ReportsUnsentBytesAndPendingOperations()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[6], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[6], new WsaOverlapped()).Error);

        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));

        Assert.Equal(SocketState.Connected, info.State);
        Assert.Equal(4, info.UnsentBytes);
        Assert.Equal(2, info.PendingOperations);
        Assert.Equal(peer.LocalEndPoint, info.RemoteEndPoint);
    }

    // ---------------------------------------------------------------- socket to socket, two providers

    [Fact]
    public void TwoProvidersGivenOnlyANetwork_EachRunInAProcessOfTheirOwn()
    {
        // What the two-provider tests below used to check in their fixture: a provider made without a process gets its own.
        var network = new SimulatedNetwork();
        using var a = new ProviderRuntime(new ProviderOptions { Network = network });
        using var b = new ProviderRuntime(new ProviderOptions { Network = network });

        Assert.Equal(WsaError.Success, a.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, b.Startup(WinsockVersion.V2_2, out _));
        Assert.NotSame(a.Process, b.Process);
        a.ValidateInvariants();
        b.ValidateInvariants();
    }

    [Fact]
    public void SocketToSocket_BindListenAcceptConnect_DataFlowsBothWays()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var (client, server) = a.ConnectTo(b);

        Assert.Equal(5, a.Runtime.Send(client, "hello"u8.ToArray()).Value);
        var buffer = new byte[16];
        Assert.Equal(5, b.Runtime.Receive(server, buffer).Value);
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);

        Assert.Equal(6, b.Runtime.Send(server, "world!"u8.ToArray()).Value);
        Assert.Equal(6, a.Runtime.Receive(client, buffer).Value);
        Assert.Equal("world!"u8.ToArray(), buffer[..6]);

        Assert.Equal(a.Runtime.GetSockName(client).Value, b.Runtime.GetPeerName(server).Value);
        Assert.Equal(b.Runtime.GetSockName(server).Value, a.Runtime.GetPeerName(client).Value);
    }

    [Fact]
    public void SocketToSocket_BlockingAccept_IsReleasedByAConnectFromAnotherThread()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var listener = b.Listen();
        var endPoint = b.Runtime.GetSockName(listener).Value;

        var acceptor = Start(() => b.Runtime.Accept(listener));
        SpinUntil(() => b.Runtime.Operations.BlockedCallCount == 1, "the accept blocks");
        var client = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        a.Runtime.Connect(client, endPoint).ThrowIfFailed();
        var server = Join(acceptor).ThrowIfFailed();

        a.Runtime.Send(client, "ping"u8.ToArray()).ThrowIfFailed();
        Assert.Equal(4, b.Runtime.Receive(server, new byte[8]).Value);
        Assert.Equal(0, b.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    public void SocketToSocket_NonBlockingAccept_WithNothingWaiting_FailsWithWouldBlock()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var listener = b.Listen();
        b.Runtime.SetBlocking(listener, false).ThrowIfFailed();

        Assert.Equal(WsaError.WouldBlock, RunBounded(() => b.Runtime.Accept(listener), "a blocking accept that should give WouldBlock at once").Error);

        var client = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        a.Runtime.Connect(client, b.Runtime.GetSockName(listener).Value).ThrowIfFailed();
        Assert.True(b.Runtime.Accept(listener).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => b.Runtime.Accept(listener), "a blocking accept that should give WouldBlock at once").Error);
    }

    [Fact]
    public void SocketToSocket_AcceptOnASocketNotListening_FailsWithInvalidArgument()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var s = b.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.InvalidArgument, RunBounded(() => b.Runtime.Accept(s), "a blocking accept that should give InvalidArgument at once").Error);
        Assert.Equal(WsaError.InvalidArgument, b.Runtime.Listen(s, 1).Error);
    }

    [Fact]
    public void SocketToSocket_FullBacklog_RefusesFurtherConnects()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var listener = b.Listen(backlog: 1);
        var endPoint = b.Runtime.GetSockName(listener).Value;
        var first = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var second = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.True(a.Runtime.Connect(first, endPoint).IsSuccess);
        Assert.Equal(WsaError.ConnectionRefused, a.Runtime.Connect(second, endPoint).Error);

        Assert.True(b.Runtime.Accept(listener).IsSuccess);
    }

    [Fact]
    public void SocketToSocket_OverlappedReceive_CompletesWhenTheOtherSocketSendsFromAnotherThread()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var (client, server) = a.ConnectTo(b);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(server, buffer, ov).Error);

        Join(Start(() => a.Runtime.Send(client, "across"u8.ToArray()).ThrowIfFailed()));

        Assert.True(ev.Wait(WaitLimit));
        Assert.Equal(6, ov.BytesTransferred);
        Assert.Equal("across"u8.ToArray(), buffer[..6]);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void SocketToSocket_SendPendsUntilTheOtherSocketReceives()
    {
        using var a = new ProviderHarness(sendBufferSize: 4);
        using var b = new ProviderHarness(network: a.Network, sendBufferSize: 4);
        var (client, server) = a.ConnectTo(b);
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, a.Runtime.Send(client, "abcdefgh"u8.ToArray(), ov).Error);
        var got = new byte[8];
        Assert.Equal(4, b.Runtime.Receive(server, got).Value);
        Assert.True(ov.IsCompleted);
        Assert.Equal(4, b.Runtime.Receive(server, got.AsSpan(4).ToArray()).Value);

        Assert.Equal(8, ov.BytesTransferred);
        Assert.Equal(1, ov.Event!.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void SocketToSocket_ShutdownOfSending_TheOtherReceivesZero()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var (client, server) = a.ConnectTo(b);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(server, new byte[8], ov).Error);

        a.Runtime.Shutdown(client, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal((OperationStatus.Completed, 0), (ov.Status, ov.BytesTransferred));
        Assert.Equal(0, b.Runtime.Receive(server, new byte[8]).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    [Trait("Rule", "CLS-5")]
    public void SocketToSocket_HardClose_TheOthersPendingReceiveFailsWithConnectionReset()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var (client, server) = a.ConnectTo(b);
        var port = new CompletionPort();
        port.Associate(b.Runtime, server, 4).ThrowIfFailed();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(server, new byte[8], ov).Error);

        a.Runtime.SetLinger(client, enabled: true, seconds: 0).ThrowIfFailed();
        a.Runtime.CloseSocket(client).ThrowIfFailed();

        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(WsaError.NetNameDeleted, packet.Status);
    }

    [Fact]
    public void SocketToSocket_ListeningEndPoint_IsInUseForOthers()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var listener = b.Listen();
        var endPoint = (IPEndPoint)b.Runtime.GetSockName(listener).Value;
        var other = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.AddressAlreadyInUse, a.Runtime.Bind(other, endPoint).Error);
        Assert.Throws<ArgumentException>(() => a.Network.Listen(endPoint));
    }

    [Fact]
    public void SocketToSocket_ClosingTheListener_RefusesLaterConnects()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var listener = b.Listen();
        var endPoint = b.Runtime.GetSockName(listener).Value;

        b.Runtime.CloseSocket(listener).ThrowIfFailed();

        var client = a.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(WsaError.ConnectionRefused, a.Runtime.Connect(client, endPoint).Error);
    }

    [Fact]
    public void SocketToSocket_ManyMessagesEachWay_ArriveInOrder()
    {
        using var a = new ProviderHarness(sendBufferSize: 64);
        using var b = new ProviderHarness(network: a.Network, sendBufferSize: 64);
        var (client, server) = a.ConnectTo(b);
        var data = Enumerable.Range(0, 2000).Select(i => (byte)(i % 251)).ToArray();

        var sender = Start(() => a.Runtime.Send(client, data));
        var got = new List<byte>();
        var buffer = new byte[37];
        while (got.Count < data.Length)
        {
            int n = RunBounded(() => b.Runtime.Receive(server, buffer), "a blocking receive while the other thread sends").ThrowIfFailed();
            Assert.True(n > 0);
            got.AddRange(buffer[..n]);
        }

        Assert.Equal(data.Length, Join(sender).Value);
        Assert.Equal(data, got);
    }
}
