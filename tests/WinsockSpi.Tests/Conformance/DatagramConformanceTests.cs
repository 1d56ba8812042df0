using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §10, datagrams: DGM-1 to DGM-4 (DGM-5 and the teardown rules are in <see cref="DatagramTeardownConformanceTests"/>).</summary>
public class DatagramConformanceTests
{
    // ---- DGM-1: whole messages, sent to an address, received with their source ----

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void DGM1_SendTo_DeliversWholeMessagesInOrder_NeverMergedOrSplit()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        byte[][] messages = [TestData.Pattern(1), TestData.Pattern(700, seed: 2), [], TestData.Pattern(3, seed: 3)];

        foreach (var message in messages)
        {
            Assert.Equal(message.Length, h.Runtime.SendTo(s, message, peer.LocalEndPoint).ThrowIfFailed());
        }

        Assert.Equal(4, peer.Available);
        var source = Datagrams.SourceOf(h, s);
        foreach (var message in messages)
        {
            var got = peer.Receive()!;
            Assert.Equal(message, got.Data);
            Assert.Equal(source, got.Source);
        }

        Assert.Null(peer.Receive());
        Assert.Equal(4, peer.MessagesReceived);
        Assert.Equal(4, h.Network.DatagramsDelivered);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void DGM1_ReceiveFrom_ReturnsOneMessageAndItsSource()
    {
        using var h = new ProviderHarness();
        using var a = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = h.Network.BindDatagram(new IPEndPoint(IPAddress.Any, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(a.SendTo("first"u8, address));
        Assert.True(b.SendTo("second!"u8, address));
        var buffer = new byte[100];
        var from = new SourceAddress();

        Assert.Equal(5, h.Runtime.ReceiveFrom(s, buffer, from).ThrowIfFailed());
        Assert.Equal("first"u8.ToArray(), buffer[..5]);
        Assert.Equal(a.LocalEndPoint, from.EndPoint);

        Assert.Equal(7, h.Runtime.ReceiveFrom(s, buffer, from).ThrowIfFailed());
        Assert.Equal("second!"u8.ToArray(), buffer[..7]);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)b.LocalEndPoint).Port), from.EndPoint); // a wildcard sender is seen from loopback
        Assert.True(h.Runtime.SetBlocking(s, false).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFrom(s, buffer, from).Error);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void DGM1_TwoProviderSockets_ExchangeMessages_BlockingReceiveWakesOnArrival()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var receiver = Datagrams.Bound(h, out var address);
        var sender = Datagrams.Socket(other);
        var from = new SourceAddress();
        var buffer = new byte[32];
        var blocked = h.StartBlocked(() => h.Runtime.ReceiveFrom(receiver, buffer, from));

        Assert.Equal(4, other.Runtime.SendTo(sender, "ping"u8.ToArray(), address).ThrowIfFailed());

        Assert.Equal(4, TestThreads.Join(blocked).ThrowIfFailed());
        Assert.Equal("ping"u8.ToArray(), buffer[..4]);
        Assert.Equal(Datagrams.SourceOf(other, sender), from.EndPoint);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void DGM1_SendToWithoutAnAddress_OnASocketNotConnected_GivesDestAddrReq()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);

        var result = h.Runtime.SendTo(s, "x"u8.ToArray(), destination: null);

        Assert.Equal(WsaError.DestinationAddressRequired, result.Error);
        Assert.Equal(10039, (int)result.Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.Send(s, "x"u8.ToArray()).Error);
        Assert.Equal(0, h.Network.DatagramsDelivered + h.Network.DatagramsDropped);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void DGM1_ConnectedDatagramSocket_SendsToItsAddress_WithSendOrSendToWithoutAddress()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        Assert.True(h.Runtime.SetBlocking(s, false).IsSuccess);

        Assert.True(h.Runtime.Connect(s, peer.LocalEndPoint).IsSuccess); // at once, even non-blocking
        Assert.Equal(peer.LocalEndPoint, h.Runtime.GetPeerName(s).ThrowIfFailed());
        Assert.Equal(2, h.Runtime.Send(s, "ab"u8.ToArray()).ThrowIfFailed());
        Assert.Equal(3, h.Runtime.SendTo(s, "cde"u8.ToArray(), destination: null).ThrowIfFailed());
        Assert.True(peer.SendTo("back"u8, Datagrams.SourceOf(h, s)));
        var buffer = new byte[8];

        Assert.Equal(4, h.Runtime.Receive(s, buffer).ThrowIfFailed());
        Assert.Equal("ab"u8.ToArray(), peer.Receive()!.Data);
        Assert.Equal("cde"u8.ToArray(), peer.Receive()!.Data);
    }

    // ---- DGM-2: a message longer than the buffer is truncated with WSAEMSGSIZE ----

    [Fact]
    [Trait("Rule", "DGM-2")]
    public void DGM2_MessageLongerThanTheBuffer_FillsIt_DiscardsTheRest_AndGivesMsgSize()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var big = TestData.Pattern(10);
        Assert.True(peer.SendTo(big, address));
        Assert.True(peer.SendTo("next"u8, address));
        var buffer = new byte[4];
        var from = new SourceAddress();

        var truncated = h.Runtime.ReceiveFrom(s, buffer, from);

        Assert.Equal(WsaError.MessageSize, truncated.Error);
        Assert.Equal(10040, (int)truncated.Error);
        Assert.Equal(big[..4], buffer);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, from).ThrowIfFailed()); // the rest was discarded, not split off
        Assert.Equal("next"u8.ToArray(), buffer);
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    public void DGM2_PendingOverlappedReceive_CompletesWithMsgSizeAndTheBytesCopied()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[3];
        var from = new SourceAddress();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, buffer, from, ov).Error);

        Assert.True(peer.SendTo("abcdef"u8, address));

        TestThreads.AssertSet(ev);
        Assert.Equal(OperationStatus.Failed, ov.Status);
        Assert.Equal(WsaError.MessageSize, ov.Error);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal("abc"u8.ToArray(), buffer);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(WsaError.MessageSize, h.Runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(1, h.NotificationsOf(ov));
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    public void DGM2_OverlappedReceiveTruncatedAtOnce_GivesMsgSize_AndIsStillNotifiedWithTheBytesCopied()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("abcdef"u8, address));
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFrom(s, new byte[2], null, ov).Error);

        TestThreads.AssertSet(ev);
        Assert.Equal(WsaError.MessageSize, ov.Error);
        Assert.Equal(2, ov.BytesTransferred);
        Assert.Equal(1, h.NotificationsOf(ov));
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    public void DGM2_SendTo_LongerThanAUdpDatagram_GivesMsgSize_AndSendsNothing()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);

        Assert.Equal(WsaError.MessageSize, h.Runtime.SendTo(s, new byte[65_508], peer.LocalEndPoint).Error);
        Assert.Equal(65_507, h.Runtime.SendTo(s, new byte[65_507], peer.LocalEndPoint).ThrowIfFailed());

        Assert.Equal(1, peer.MessagesReceived);
    }

    // ---- DGM-3: unreliable by design: drops are counted, the sender never fails ----

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void DGM3_SendToAnAddressWhereNothingIsBound_Succeeds_AndIsCountedAsDropped()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);

        Assert.Equal(5, h.Runtime.SendTo(s, "hello"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, 9)).ThrowIfFailed());
        Assert.Equal(2, h.Runtime.SendTo(s, "hi"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed());

        Assert.Equal(1, h.Network.DatagramsDropped); // port 0 is no address: that one is simply gone
        Assert.Equal(0, h.Network.DatagramsDelivered);
    }

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void DGM3_FullReceiveQueue_DropsTheMessage_CountsIt_AndTheSenderSucceeds()
    {
        using var h = new ProviderHarness(configure: o => o.DatagramReceiveBufferSize = 10);
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);

        Assert.True(peer.SendTo(TestData.Pattern(6), address));
        Assert.False(peer.SendTo(TestData.Pattern(5), address)); // 11 bytes would not fit
        Assert.True(peer.SendTo(TestData.Pattern(4), address));
        Assert.False(peer.SendTo(TestData.Pattern(1), address));

        Assert.Equal(2, h.Network.DatagramsDropped);
        var buffer = new byte[16];
        Assert.Equal(6, h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed());
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed());
        Assert.True(peer.SendTo(TestData.Pattern(10), address)); // room again once read
    }

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void DGM3_FullPeerQueue_CountsTheDropAtThePeer()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0), receiveBufferSize: 4);
        var s = Datagrams.Socket(h);

        Assert.Equal(4, h.Runtime.SendTo(s, TestData.Pattern(4), peer.LocalEndPoint).ThrowIfFailed());
        Assert.Equal(1, h.Runtime.SendTo(s, TestData.Pattern(1), peer.LocalEndPoint).ThrowIfFailed());

        Assert.Equal(1, peer.MessagesReceived);
        Assert.Equal(1, peer.MessagesDropped);
        Assert.Equal(1, h.Network.DatagramsDropped);
    }

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void DGM3_ConnectedDatagramSocket_AcceptsMessagesOnlyFromItsConnectedAddress()
    {
        using var h = new ProviderHarness();
        using var partner = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        using var stranger = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(h.Runtime.Connect(s, partner.LocalEndPoint).IsSuccess);

        Assert.False(stranger.SendTo("no"u8, address));
        Assert.True(partner.SendTo("yes"u8, address));

        var buffer = new byte[8];
        var from = new SourceAddress();
        Assert.Equal(3, h.Runtime.ReceiveFrom(s, buffer, from).ThrowIfFailed());
        Assert.Equal(partner.LocalEndPoint, from.EndPoint);
        Assert.Equal(1, h.Network.DatagramsDropped);
    }

    // ---- DGM-4: binding, ephemeral ports, release at close ----

    [Fact]
    [Trait("Rule", "DGM-4")]
    public void DGM4_BindingAnAddressAlreadyBound_GivesAddrInUse()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)peer.LocalEndPoint).Port;
        var first = Datagrams.Bound(h, out var address);

        var sameAsSocket = h.Runtime.Bind(Datagrams.Socket(h), address);
        var sameAsPeer = h.Runtime.Bind(Datagrams.Socket(h), peer.LocalEndPoint);
        var wildcardOfPeer = h.Runtime.Bind(Datagrams.Socket(h), new IPEndPoint(IPAddress.Any, port));

        Assert.Equal(WsaError.AddressAlreadyInUse, sameAsSocket.Error);
        Assert.Equal(10048, (int)sameAsSocket.Error);
        Assert.Equal(WsaError.AddressAlreadyInUse, sameAsPeer.Error);
        Assert.Equal(WsaError.AddressAlreadyInUse, wildcardOfPeer.Error);
        Assert.Throws<ArgumentException>(() => h.Network.BindDatagram(address));
        Assert.True(h.Runtime.Sockets.Contains(first));
    }

    [Fact]
    [Trait("Rule", "DGM-4")]
    public void DGM4_SendFromAnUnboundSocket_BindsItToAnEphemeralPortFirst()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.GetSockName(s).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.ReceiveFrom(s, new byte[4], null).Error); // not bound yet

        h.Runtime.SendTo(s, "x"u8.ToArray(), peer.LocalEndPoint).ThrowIfFailed();

        var local = (IPEndPoint)h.Runtime.GetSockName(s).ThrowIfFailed();
        Assert.Equal(IPAddress.Any, local.Address);
        Assert.InRange(local.Port, 49152, 65535);
        Assert.Equal(local.Port, ((IPEndPoint)peer.Receive()!.Source).Port);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.Equal(SocketState.Bound, info.State);
    }

    [Fact]
    [Trait("Rule", "DGM-4")]
    public void DGM4_Close_ReleasesTheAddressAtOnce_AndLaterMessagesToItAreDropped()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("queued"u8, address));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.False(peer.SendTo("late"u8, address));
        Assert.Equal(1, h.Network.DatagramsDropped);
        var again = Datagrams.Socket(h);
        Assert.True(h.Runtime.Bind(again, address).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, Datagrams.NonBlockingReceive(h, again)); // the old queue went with the old socket
    }

    [Fact]
    [Trait("Rule", "DGM-4")]
    public void DGM4_FinalCleanup_ReleasesEveryBoundAddressAtOnce()
    {
        using var h = new ProviderHarness();
        Datagrams.Bound(h, out var first);
        var sender = Datagrams.Socket(h);
        h.Runtime.SendTo(sender, "x"u8.ToArray(), first).ThrowIfFailed();
        var ephemeral = (IPEndPoint)h.Runtime.GetSockName(sender).ThrowIfFailed();

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        using var a = h.Network.BindDatagram(first);
        using var b = h.Network.BindDatagram(ephemeral);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "DGM-4")]
    [Trait("Rule", "PRC-2")]
    public void DGM4_ProcessDeath_ReleasesEveryBoundAddressAtOnce()
    {
        using var h = new ProviderHarness();
        Datagrams.Bound(h, out var address);

        h.Process.Terminate();

        using var peer = h.Network.BindDatagram(address);
        Assert.Equal(address, peer.LocalEndPoint);
    }

    [Fact]
    [Trait("Rule", "DGM-4")]
    public void DGM4_DatagramAndStreamAddresses_AreSeparatePortSpaces()
    {
        using var h = new ProviderHarness();
        var stream = h.NewSocket();
        Assert.True(h.Runtime.Bind(stream, new IPEndPoint(IPAddress.Loopback, 40000)).IsSuccess);

        Assert.True(h.Runtime.Bind(Datagrams.Socket(h), new IPEndPoint(IPAddress.Loopback, 40000)).IsSuccess);
    }
}
