using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Ws2;
using WinsockSpi.Ws2;
using static WinsockSpi.Tests.TestKit.TestThreads;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 12 on datagram sockets: readiness (SLT-1) and a waiting select woken by a datagram (SLT-2).</summary>
public sealed class SelectDatagramConformanceTests
{
    // ---------------------------------------------------------------- SLT-1: readiness, polling

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_BoundDatagramSocketWithAMessageWaiting_IsReadable_OthersAreNot()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var busy = Datagrams.Bound(h, out var busyAddress);
        var quiet = Datagrams.Bound(h, out _);
        var unbound = Datagrams.Socket(h);
        Assert.True(peer.SendTo("one"u8, busyAddress));
        List<SocketHandle> read = [quiet, busy, unbound];

        var r = h.Runtime.Select(read, null, null, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([busy], read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_SelectDoesNotTakeAMessage_TheSocketStaysReadableUntilTheLastIsReceived()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("first"u8, address));
        Assert.True(peer.SendTo("second"u8, address));
        var buffer = new byte[16];
        var from = new SourceAddress();

        Assert.Equal(1, h.Runtime.Select([s], null, null, TimeSpan.Zero).Value);
        Assert.Equal(1, h.Runtime.Select([s], null, null, TimeSpan.Zero).Value);
        Assert.Equal(5, h.Runtime.ReceiveFrom(s, buffer, from).Value); // both selects left both messages
        Assert.Equal("first"u8.ToArray(), buffer[..5]);
        Assert.Equal(1, h.Runtime.Select([s], null, null, TimeSpan.Zero).Value);
        Assert.Equal(6, h.Runtime.ReceiveFrom(s, buffer, from).Value);
        Assert.Equal("second"u8.ToArray(), buffer[..6]);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);

        List<SocketHandle> read = [s];
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        Assert.Empty(read);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "DGM-5")]
    public void SLT1_AMessageTakenByAQueuedOverlappedReceive_LeavesTheSocketUnreadable()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, ov).Error);

        Assert.True(peer.SendTo("taken"u8, address));

        AssertSet(ov.Event!);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal(0, h.Runtime.Select([s], null, null, TimeSpan.Zero).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_DatagramSockets_UnboundBoundOrConnected_AreWritable_AndNeverInTheExceptSet()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var unbound = Datagrams.Socket(h);
        var bound = Datagrams.Bound(h, out _);
        var connected = Datagrams.Socket(h);
        h.Runtime.Connect(connected, peer.LocalEndPoint).ThrowIfFailed();
        List<SocketHandle> write = [unbound, bound, connected];
        List<SocketHandle> except = [unbound, bound, connected];

        var r = h.Runtime.Select(null, write, except, TimeSpan.Zero);

        Assert.Equal(3, r.Value);
        Assert.Equal([unbound, bound, connected], write);
        Assert.Empty(except);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "SLT-2")]
    public void SLT1_WhileTheNetworkHoldsSends_ADatagramSocketIsNotWritable_AWaitingSelectEndsWhenTheyGo()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out _);
        var selected = Datagrams.Bound(h, out _); // nothing is sent on it: only the select can ask to hear of the release
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        h.Network.HoldDatagrams = true;

        Assert.Equal(0, h.Runtime.Select(null, [s], null, TimeSpan.Zero).Value);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.SendTo(s, "x"u8.ToArray(), peer.LocalEndPoint).Error); // select was right
        List<SocketHandle> write = [selected];
        var selector = h.StartBlocked(() => h.Runtime.Select(null, write, null, timeout: null));

        h.Network.HoldDatagrams = false;

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([selected], write);
        Assert.Equal(1, h.Runtime.SendTo(s, "x"u8.ToArray(), peer.LocalEndPoint).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "SLT-2")]
    public void SLT1_WhileTheNetworkHoldsSends_AnUnboundDatagramSocketIsWritable_SoNoSelectWaitsOnIt()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var unbound = Datagrams.Socket(h);
        h.Network.HoldDatagrams = true;

        // Unbound, it has no address the network could signal at the release: a select reports it writable at once
        // rather than wait for a signal that could never come.
        List<SocketHandle> write = [unbound];
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
        Assert.Equal([unbound], write);

        // Its first send binds it and is held like any other; bound, it is no longer writable until the release.
        h.Runtime.SetBlocking(unbound, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.SendTo(unbound, "x"u8.ToArray(), peer.LocalEndPoint).Error);
        Assert.Equal(0, h.Runtime.Select(null, [unbound], null, TimeSpan.Zero).Value);
        h.Network.HoldDatagrams = false;
        Assert.Equal(1, h.Runtime.Select(null, [unbound], null, TimeSpan.Zero).Value);
    }

    // ---------------------------------------------------------------- SLT-2: a waiting select woken by a datagram

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "SLT-1")]
    public void SLT2_AWaitingSelect_IsWokenByADatagramFromAPeer_AndTheMessageIsStillThere()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var quiet = Datagrams.Bound(h, out _);
        var s = Datagrams.Bound(h, out var address);
        List<SocketHandle> read = [quiet, s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.True(peer.SendTo("wake"u8, address));

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([s], read);
        var buffer = new byte[8];
        var from = new SourceAddress();
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, from).Value);
        Assert.Equal("wake"u8.ToArray(), buffer[..4]);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Theory]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "DGM-1")]
    [InlineData(false)]
    [InlineData(true)]
    public void SLT2_AWaitingSelect_IsWokenByADatagramFromAnotherSimulatedSocket(bool sameProvider)
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var senderSide = sameProvider ? h : other;
        var receiver = Datagrams.Bound(h, out var address);
        var sender = Datagrams.Bound(senderSide, out _);
        List<SocketHandle> read = [receiver];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.Equal(3, senderSide.Runtime.SendTo(sender, "hey"u8.ToArray(), address).Value);

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([receiver], read);
        var from = new SourceAddress();
        Assert.Equal(3, h.Runtime.ReceiveFrom(receiver, new byte[8], from).Value);
        Assert.Equal(Datagrams.SourceOf(senderSide, sender), from.EndPoint);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "SLT-2")]
    public void SLT1_AWaitingSelectWithATimeout_NoDatagramArrives_ReturnsZeroWithEmptySets()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);
        List<SocketHandle> read = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, TimeSpan.FromSeconds(2)));

        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(selector.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, Join(selector).Value);
        Assert.Empty(read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLS-1")]
    public void SLT2_ADatagramSocketClosedWhileSelectWaits_IsReportedReadable_ThenIsNoSocket()
    {
        using var h = new ProviderHarness();
        var quiet = Datagrams.Bound(h, out _);
        var closing = Datagrams.Bound(h, out _);
        List<SocketHandle> read = [quiet, closing];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.True(h.Runtime.CloseSocket(closing).IsSuccess);

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([closing], read);
        Assert.Equal(WsaError.NotSocket, h.Runtime.Select([closing], null, null, TimeSpan.Zero).Error);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLN-5")]
    public void SLT2_FinalCleanup_EndsASelectWaitingOnADatagramSocket_WithInterrupted_AndALaterDatagramChangesNothing()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        List<SocketHandle> read = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, Join(selector).Error);
        Assert.Equal([s], read);
        Assert.False(peer.SendTo("late"u8, address)); // the address was released (DGM-4): nothing is bound there
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    // ---------------------------------------------------------------- the same through the Ws2 layer's fd_set

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "SLT-2")]
    public void SLT1_Ws2Select_FdSetOfADatagramSocket_PollsEmpty_ThenAWaitingSelectIsWokenBySendto()
    {
        using var kit = new Ws2TestKit();
        var ws2 = kit.Api;
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (receiver, sender, address) = Ws2TestKit.UdpPair(ws2);
        Assert.True(ws2.TryGetProvider(receiver, out var provider));
        var runtime = ((CountingProvider)provider).Inner;

        var readfds = new FdSet();
        FD_SET(receiver, readfds);
        Assert.Equal(0, ws2.select(0, readfds, null, null, new TimeVal(0, 0)));
        Assert.False(FD_ISSET(receiver, readfds));

        FD_SET(receiver, readfds);
        var writefds = new FdSet();
        FD_SET(sender, writefds);
        Assert.Equal(1, ws2.select(0, readfds, writefds, null, new TimeVal(0, 0)));
        Assert.True(FD_ISSET(sender, writefds));
        Assert.False(FD_ISSET(receiver, readfds));

        FD_SET(receiver, readfds);
        var selector = StartBlocked(runtime, () => ws2.select(0, readfds, null, null, null));
        Assert.Equal(5, ws2.sendto(sender, "hello"u8.ToArray(), 5, 0, address));

        Assert.Equal(1, Join(selector));
        Assert.True(FD_ISSET(receiver, readfds));
        var buffer = new byte[16];
        var from = new SourceAddress();
        Assert.Equal(5, ws2.recvfrom(receiver, buffer, buffer.Length, 0, from));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        Assert.Equal(0, ws2.getsockname(sender, out var senderAddress));
        Assert.Equal(((IPEndPoint)senderAddress!).Port, ((IPEndPoint)from.EndPoint!).Port);
        Assert.Equal(0, ws2.select(0, readfds, null, null, new TimeVal(0, 0)));
        Assert.Equal(0, ws2.WSACleanup());
    }
}
