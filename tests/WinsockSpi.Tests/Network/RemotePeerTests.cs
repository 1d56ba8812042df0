using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Network;

/// <summary>Unit tests of <see cref="RemotePeer"/>, the harness-driven far end of a connection.</summary>
public sealed class RemotePeerTests
{
    [Fact]
    public void EndPoints_AreTheListenerAndTheSocket()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        Assert.Equal(h.Listener.EndPoint, peer.LocalEndPoint);
        Assert.Equal(h.Runtime.GetSockName(s).Value, peer.RemoteEndPoint);
        Assert.Equal(peer.LocalEndPoint, h.Runtime.GetPeerName(s).Value);
    }

    [Fact]
    public void Write_IsReceivedBySocket_AndCounted()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        Assert.Equal(5, peer.Write("hello"u8));

        Assert.Equal(5, peer.BytesSent);
        var buffer = new byte[8];
        Assert.Equal(5, h.Runtime.Receive(s, buffer).Value);
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
    }

    [Fact]
    public void Write_IsLimitedByTheRoomOnTheSocketsReceiveSide()
    {
        using var h = new ProviderHarness(peerSendBufferSize: 8);
        var (s, peer) = h.Connect();
        Assert.Equal(8, peer.WriteRoom);

        Assert.Equal(8, peer.Write("0123456789"u8));

        Assert.Equal(0, peer.WriteRoom);
        Assert.Equal(0, peer.Write("x"u8));
        Assert.Equal(5, h.Runtime.Receive(s, new byte[5]).Value);
        Assert.Equal(5, peer.WriteRoom);
    }

    [Fact]
    public void Read_ReturnsWhatTheSocketSent_AndCountsIt()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "abcdef"u8.ToArray()).ThrowIfFailed();
        Assert.Equal(6, peer.Available);

        var got = new byte[4];
        Assert.Equal(4, peer.Read(got));

        Assert.Equal("abcd"u8.ToArray(), got);
        Assert.Equal(2, peer.Available);
        Assert.Equal(4, peer.BytesReceived);
        Assert.Equal("ef"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(6, peer.BytesReceived);
    }

    [Fact]
    public void ReadWithNothingWaiting_ReturnsNothing()
    {
        using var h = new ProviderHarness();
        var (_, peer) = h.Connect();

        Assert.Equal(0, peer.Read(new byte[4]));
        Assert.Empty(peer.ReadAvailable());
        Assert.Equal(PeerState.Open, peer.State);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void Read_OpensRoomAndCompletesAPendingSend()
    {
        using var h = new ProviderHarness(sendBufferSize: 3);
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, "abcde"u8.ToArray(), ov).Error);

        Assert.Equal(3, peer.Read(new byte[3]));

        Assert.True(ov.IsCompleted);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal("de"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    public void SocketShutsDownSending_PeerSeesFinAfterTheData()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "bye"u8.ToArray()).ThrowIfFailed();

        h.Runtime.Shutdown(s, SocketShutdown.Send).ThrowIfFailed();

        Assert.True(peer.FinPending);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal("bye"u8.ToArray(), peer.ReadAvailable());
        Assert.False(peer.FinPending);
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
    }

    [Fact]
    public void SocketClosesGracefully_PeerReadsEverythingThenFin()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "last words"u8.ToArray()).ThrowIfFailed();

        h.Runtime.CloseSocket(s).ThrowIfFailed();

        Assert.Equal("last words"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    public void SocketHardCloses_PeerSeesConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "lost"u8.ToArray()).ThrowIfFailed();
        h.Runtime.SetLinger(s, enabled: true, seconds: 0).ThrowIfFailed();

        h.Runtime.CloseSocket(s).ThrowIfFailed();

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, peer.Write("x"u8));
    }

    [Fact]
    public void PeerResets_PeerStateIsResetButItsOwnErrorIsNone()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        peer.Reset();
        peer.Reset();

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
        Assert.Equal(0, peer.Write("x"u8));
        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give ConnectionReset at once").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void PeerCloses_FurtherWritesAreRefusedAndSocketReadsEndOfStream()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("ab"u8);

        peer.Close();
        peer.Close();

        Assert.Equal(0, peer.Write("c"u8));
        Assert.Equal(0, peer.WriteRoom);
        Assert.Equal(2, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal(4, h.Runtime.Send(s, "back"u8.ToArray()).Value);
        Assert.Equal("back"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    public void ToString_ShowsEndPointsAndState()
    {
        using var h = new ProviderHarness();
        var (_, peer) = h.Connect();
        peer.Reset();

        string text = peer.ToString();

        Assert.Contains(peer.LocalEndPoint.ToString()!, text, StringComparison.Ordinal);
        Assert.Contains("Reset", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrentWriterAndReader_DeliverEveryByteInOrder()
    {
        using var h = new ProviderHarness(sendBufferSize: 16);
        var (s, peer) = h.Connect();
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();

        var sender = TestThreads.Start(() => h.Runtime.Send(s, data));
        var got = new List<byte>();
        TestThreads.SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == data.Length;
        }, "the peer read everything");

        Assert.Equal(data.Length, TestThreads.Join(sender).Value);
        Assert.Equal(data, got);
        Assert.Equal(data.Length, peer.BytesReceived);
    }

    [Fact]
    public void ListenerWithDefaultBuffer_UsesTheNetworkDefault()
    {
        var network = new SimulatedNetwork { DefaultBufferSize = 12 };
        using var h = new ProviderHarness(network: network);
        var (_, peer) = h.Connect();

        Assert.Equal(12, h.Listener.SendBufferSize);
        Assert.Equal(12, peer.WriteRoom);
        Assert.IsType<IPEndPoint>(peer.LocalEndPoint);
    }
}
