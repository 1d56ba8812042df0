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

        Assert.Equal(WsaError.Shutdown, h.Runtime.Receive(s, new byte[8]).Error);
        Assert.Equal(WsaError.Shutdown, h.Runtime.Receive(s, new byte[8], new WsaOverlapped()).Error);
        Assert.Equal(3, h.Runtime.Send(s, "out"u8.ToArray()).Value);
    }

    [Fact]
    public void Send_AfterShutdownOfSending_FailsWithShutdown_AndThePeerSeesFin()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        h.Runtime.Shutdown(s, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal(WsaError.Shutdown, h.Runtime.Send(s, "x"u8.ToArray()).Error);
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

        Assert.Equal(WsaError.Shutdown, h.Runtime.Send(s, new byte[1]).Error);
        Assert.Equal(WsaError.Shutdown, h.Runtime.Receive(s, new byte[1]).Error);
        Assert.True(h.Runtime.Shutdown(s, SocketShutdown.Both).IsSuccess);
    }

    [Fact]
    public void DataCalls_BeforeConnect_FailWithNotConnected()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        Assert.Equal(WsaError.NotConnected, h.Runtime.Receive(s, new byte[1]).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.Send(s, new byte[1]).Error);
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

        Assert.Equal(WsaError.WouldBlock, h.Runtime.Receive(s, new byte[4]).Error);
        peer.Write("now"u8);
        Assert.Equal(3, h.Runtime.Receive(s, new byte[4]).Value);
    }

    [Fact]
    public void DatagramSocket_DataCallsFailWithOperationNotSupported()
    {
        using var h = new ProviderHarness();
        var s = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();

        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.Send(s, new byte[1]).Error);
        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.Receive(s, new byte[1]).Error);
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
    public void SocketToSocket_BindListenAcceptConnect_DataFlowsBothWays()
    {
        using var pair = new ProviderPair();
        var (client, server) = pair.Connect();

        Assert.Equal(5, pair.A.Send(client, "hello"u8.ToArray()).Value);
        var buffer = new byte[16];
        Assert.Equal(5, pair.B.Receive(server, buffer).Value);
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);

        Assert.Equal(6, pair.B.Send(server, "world!"u8.ToArray()).Value);
        Assert.Equal(6, pair.A.Receive(client, buffer).Value);
        Assert.Equal("world!"u8.ToArray(), buffer[..6]);

        Assert.Equal(pair.A.GetSockName(client).Value, pair.B.GetPeerName(server).Value);
        Assert.Equal(pair.B.GetSockName(server).Value, pair.A.GetPeerName(client).Value);
    }

    [Fact]
    public void SocketToSocket_BlockingAccept_IsReleasedByAConnectFromAnotherThread()
    {
        using var pair = new ProviderPair();
        var listener = pair.Listen();
        var endPoint = pair.B.GetSockName(listener).Value;

        var acceptor = Start(() => pair.B.Accept(listener));
        SpinUntil(() => pair.B.Operations.BlockedCallCount == 1, "the accept blocks");
        var client = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        pair.A.Connect(client, endPoint).ThrowIfFailed();
        var server = Join(acceptor).ThrowIfFailed();

        pair.A.Send(client, "ping"u8.ToArray()).ThrowIfFailed();
        Assert.Equal(4, pair.B.Receive(server, new byte[8]).Value);
        Assert.Equal(0, pair.B.Operations.BlockedCallCount);
    }

    [Fact]
    public void SocketToSocket_NonBlockingAccept_WithNothingWaiting_FailsWithWouldBlock()
    {
        using var pair = new ProviderPair();
        var listener = pair.Listen();
        pair.B.SetBlocking(listener, false).ThrowIfFailed();

        Assert.Equal(WsaError.WouldBlock, pair.B.Accept(listener).Error);

        var client = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        pair.A.Connect(client, pair.B.GetSockName(listener).Value).ThrowIfFailed();
        Assert.True(pair.B.Accept(listener).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, pair.B.Accept(listener).Error);
    }

    [Fact]
    public void SocketToSocket_AcceptOnASocketNotListening_FailsWithInvalidArgument()
    {
        using var pair = new ProviderPair();
        var s = pair.B.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.InvalidArgument, pair.B.Accept(s).Error);
        Assert.Equal(WsaError.InvalidArgument, pair.B.Listen(s, 1).Error);
    }

    [Fact]
    public void SocketToSocket_FullBacklog_RefusesFurtherConnects()
    {
        using var pair = new ProviderPair();
        var listener = pair.Listen(backlog: 1);
        var endPoint = pair.B.GetSockName(listener).Value;
        var first = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var second = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.True(pair.A.Connect(first, endPoint).IsSuccess);
        Assert.Equal(WsaError.ConnectionRefused, pair.A.Connect(second, endPoint).Error);

        Assert.True(pair.B.Accept(listener).IsSuccess);
    }

    [Fact]
    public void SocketToSocket_OverlappedReceive_CompletesWhenTheOtherSocketSendsFromAnotherThread()
    {
        using var pair = new ProviderPair();
        var (client, server) = pair.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, pair.B.Receive(server, buffer, ov).Error);

        Join(Start(() => pair.A.Send(client, "across"u8.ToArray()).ThrowIfFailed()));

        Assert.True(ev.Wait(WaitLimit));
        Assert.Equal(6, ov.BytesTransferred);
        Assert.Equal("across"u8.ToArray(), buffer[..6]);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void SocketToSocket_SendPendsUntilTheOtherSocketReceives()
    {
        using var pair = new ProviderPair(sendBufferSize: 4);
        var (client, server) = pair.Connect();
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, pair.A.Send(client, "abcdefgh"u8.ToArray(), ov).Error);
        var got = new byte[8];
        Assert.Equal(4, pair.B.Receive(server, got).Value);
        Assert.True(ov.IsCompleted);
        Assert.Equal(4, pair.B.Receive(server, got.AsSpan(4).ToArray()).Value);

        Assert.Equal(8, ov.BytesTransferred);
        Assert.Equal(1, ov.Event!.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void SocketToSocket_ShutdownOfSending_TheOtherReceivesZero()
    {
        using var pair = new ProviderPair();
        var (client, server) = pair.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, pair.B.Receive(server, new byte[8], ov).Error);

        pair.A.Shutdown(client, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal((OperationStatus.Completed, 0), (ov.Status, ov.BytesTransferred));
        Assert.Equal(0, pair.B.Receive(server, new byte[8]).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    [Trait("Rule", "CLS-5")]
    public void SocketToSocket_HardClose_TheOthersPendingReceiveFailsWithConnectionReset()
    {
        using var pair = new ProviderPair();
        var (client, server) = pair.Connect();
        var port = new CompletionPort();
        port.Associate(pair.B, server, 4).ThrowIfFailed();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, pair.B.Receive(server, new byte[8], ov).Error);

        pair.A.SetLinger(client, enabled: true, seconds: 0).ThrowIfFailed();
        pair.A.CloseSocket(client).ThrowIfFailed();

        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(WsaError.NetNameDeleted, packet.Status);
    }

    [Fact]
    public void SocketToSocket_ListeningEndPoint_IsInUseForOthers()
    {
        using var pair = new ProviderPair();
        var listener = pair.Listen();
        var endPoint = (IPEndPoint)pair.B.GetSockName(listener).Value;
        var other = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.AddressAlreadyInUse, pair.A.Bind(other, endPoint).Error);
        Assert.Throws<ArgumentException>(() => pair.Network.Listen(endPoint));
    }

    [Fact]
    public void SocketToSocket_ClosingTheListener_RefusesLaterConnects()
    {
        using var pair = new ProviderPair();
        var listener = pair.Listen();
        var endPoint = pair.B.GetSockName(listener).Value;

        pair.B.CloseSocket(listener).ThrowIfFailed();

        var client = pair.A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(WsaError.ConnectionRefused, pair.A.Connect(client, endPoint).Error);
    }

    [Fact]
    public void SocketToSocket_ManyMessagesEachWay_ArriveInOrder()
    {
        using var pair = new ProviderPair(sendBufferSize: 64);
        var (client, server) = pair.Connect();
        var data = Enumerable.Range(0, 2000).Select(i => (byte)(i % 251)).ToArray();

        var sender = Start(() => pair.A.Send(client, data));
        var got = new List<byte>();
        var buffer = new byte[37];
        while (got.Count < data.Length)
        {
            int n = pair.B.Receive(server, buffer).ThrowIfFailed();
            Assert.True(n > 0);
            got.AddRange(buffer[..n]);
        }

        Assert.Equal(data.Length, Join(sender).Value);
        Assert.Equal(data, got);
    }

    /// <summary>Two started providers, each in its own process, on one network: A connects, B listens.</summary>
    private sealed class ProviderPair : IDisposable
    {
        public ProviderPair(int sendBufferSize = 64 * 1024)
        {
            A = new ProviderRuntime(new ProviderOptions { Network = Network, SendBufferSize = sendBufferSize });
            B = new ProviderRuntime(new ProviderOptions { Network = Network, SendBufferSize = sendBufferSize });
            Assert.Equal(WsaError.Success, A.Startup(WinsockVersion.V2_2, out _));
            Assert.Equal(WsaError.Success, B.Startup(WinsockVersion.V2_2, out _));
            Assert.NotSame(A.Process, B.Process);
        }

        public SimulatedNetwork Network { get; } = new();

        public ProviderRuntime A { get; }

        public ProviderRuntime B { get; }

        public SocketHandle Listen(int backlog = 5)
        {
            var listener = B.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            B.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
            B.Listen(listener, backlog).ThrowIfFailed();
            return listener;
        }

        public (SocketHandle Client, SocketHandle Server) Connect()
        {
            var listener = Listen();
            var client = A.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            A.Connect(client, B.GetSockName(listener).Value).ThrowIfFailed();
            return (client, B.Accept(listener).ThrowIfFailed());
        }

        public void Dispose()
        {
            try
            {
                A.ValidateInvariants();
                B.ValidateInvariants();
            }
            finally
            {
                A.Dispose();
                B.Dispose();
            }
        }
    }
}
