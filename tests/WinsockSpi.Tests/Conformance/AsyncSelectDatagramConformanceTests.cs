using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// SEMANTICS sections 8 and 11 on datagram sockets: FD_READ is posted once per arrival sequence and re-enabled by each
/// recvfrom, which posts it again while messages remain (ASY-2); event select records it the same way (SEL-1).
/// </summary>
public sealed class AsyncSelectDatagramConformanceTests
{
    private const int WmSocket = AsyncSelectConformanceTests.WmSocket;

    private static WindowMessage Message(SocketHandle s, NetworkEvents e) => new(WmSocket, s.Value, Winsock.MakeSelectReply((int)e, 0));

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "DGM-1")]
    public void ASY2_Datagrams_OneFdReadPerArrivalSequence_EachRecvfromPostsOneMoreWhileMessagesRemain()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Write).ThrowIfFailed();
        Assert.Equal([Message(s, NetworkEvents.Write)], window.Messages); // a datagram socket can send at once

        Assert.True(peer.SendTo("one"u8, address));
        Assert.True(peer.SendTo("two"u8, address));
        Assert.True(peer.SendTo("three"u8, address));
        Assert.Equal([Message(s, NetworkEvents.Write), Message(s, NetworkEvents.Read)], window.Messages);

        var buffer = new byte[8];
        var got = new List<string>();
        var messagesAfterEachReceive = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            int n = h.Runtime.ReceiveFrom(s, buffer, null).Value;
            got.Add(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            messagesAfterEachReceive.Add(window.MessageCount);
        }

        Assert.Equal(["one", "two", "three"], got);
        Assert.Equal([3, 4, 4], messagesAfterEachReceive); // one more FD_READ while messages remain, none after the last
        Assert.Equal(NetworkEvents.Read, window.Messages[^1].SelectEvent());

        // The last recvfrom re-enabled FD_READ: the next arrival posts it at once.
        Assert.True(peer.SendTo("four"u8, address));
        Assert.Equal(5, window.MessageCount);
        Assert.Equal(Message(s, NetworkEvents.Read), window.Messages[^1]);
        var from = new SourceAddress();
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, from).Value); // the only message: no FD_READ follows
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFrom(s, buffer, null).Error);
        Assert.Equal(5, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_DatagramsWaitingWhenAsyncSelectIsCalled_PostOneFdReadAtOnce()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("a"u8, address));
        Assert.True(peer.SendTo("b"u8, address));
        var window = new SimulatedWindow(h.Process);

        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        Assert.Equal([Message(s, NetworkEvents.Read)], window.Messages);
        Assert.Equal(1, h.Runtime.ReceiveFrom(s, new byte[4], null).Value);
        Assert.Equal([Message(s, NetworkEvents.Read), Message(s, NetworkEvents.Read)], window.Messages);
        Assert.Equal(1, h.Runtime.ReceiveFrom(s, new byte[4], null).Value);
        Assert.Equal(2, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "EXT-5")]
    public void ASY2_ATruncatedRecvfrom_AndAScatterRecvfrom_ReenableFdReadToo()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        Assert.True(peer.SendTo("toolong"u8, address));
        Assert.True(peer.SendTo("abcd"u8, address));
        Assert.True(peer.SendTo("z"u8, address));
        Assert.Equal(1, window.MessageCount);

        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFrom(s, new byte[2], null).Error);
        Assert.Equal(2, window.MessageCount);
        Assert.Equal(4, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { new byte[2], new byte[2] }, null).Value);
        Assert.Equal(3, window.MessageCount);
        Assert.Equal(1, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { new byte[1], new byte[1] }, null).Value);
        Assert.Equal(3, window.MessageCount);
        Assert.All(window.Messages, m => Assert.Equal(NetworkEvents.Read, m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "DGM-5")]
    public void ASY2_AnOverlappedRecvfromPendingWhenTheDatagramArrives_TakesIt_NoFdReadIsPosted()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, ov).Error);

        Assert.True(peer.SendTo("mine"u8, address));

        TestThreads.AssertSet(ov.Event!);
        Assert.Equal(4, ov.BytesTransferred);
        Assert.Equal(0, window.MessageCount); // nothing waits: the receive took the message
        Assert.True(peer.SendTo("next"u8, address));
        Assert.Equal([Message(s, NetworkEvents.Read)], window.Messages);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    [Trait("Rule", "DGM-1")]
    public void SEL1_EventSelectOnADatagramSocket_RecvfromRecordsFdReadAgainWhileMessagesRemain()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        Assert.False(ev.IsSet);
        Assert.True(peer.SendTo("1"u8, address));
        Assert.True(peer.SendTo("2"u8, address));
        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.False(ev.IsSet);

        Assert.Equal(1, h.Runtime.ReceiveFrom(s, new byte[4], null).Value);

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(1, h.Runtime.ReceiveFrom(s, new byte[4], null).Value);
        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "SEL-1")]
    public void ASY1_WhileTheNetworkHoldsSends_FdWriteWaitsForTheRelease_AsSelectDoes()
    {
        using var h = new ProviderHarness();
        var posted = Datagrams.Bound(h, out _);
        var recorded = Datagrams.Bound(h, out _);
        var window = new SimulatedWindow(h.Process);
        using var ev = new WsaEvent();
        h.Network.HoldDatagrams = true;

        h.Runtime.AsyncSelect(posted, window, WmSocket, NetworkEvents.Write).ThrowIfFailed();
        h.Runtime.EventSelect(recorded, ev, NetworkEvents.Write).ThrowIfFailed();
        Assert.Equal(0, window.MessageCount); // a send would wait: no FD_WRITE yet
        Assert.False(ev.IsSet);
        Assert.Equal(0, h.Runtime.Select(null, [posted, recorded], null, TimeSpan.Zero).Value);

        h.Network.HoldDatagrams = false;

        Assert.Equal([Message(posted, NetworkEvents.Write)], window.Messages);
        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(recorded, ev).Value.Events);
    }
}
