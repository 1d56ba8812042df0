using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// Claims docs/api.md makes about datagram sockets (its Datagrams section) that no other test proved: the stream
/// receives re-enable FD_READ as WSPRecvFrom does (ASY-2, SEL-1), an empty array of buffers takes a message and keeps
/// none of it (DGM-2), MSG_PEEK is not simulated on a datagram socket (the message is taken), and no window message is
/// posted for a datagram socket after its close or the final cleanup (ASY-3). A waiting select on a datagram socket,
/// ended by its close or the final cleanup (SLT-2), is proved in SelectDatagramConformanceTests.
/// </summary>
public sealed class DatagramClaimsTests
{
    private const int WmSocket = 0x0401;

    private static WindowMessage Message(SocketHandle s, NetworkEvents e) => new(WmSocket, s.Value, Winsock.MakeSelectReply((int)e, 0));

    /// <summary>A new window of the harness's process, and WSPAsyncSelect of FD_READ on <paramref name="s"/> to it.</summary>
    private static SimulatedWindow Associate(ProviderHarness h, SocketHandle s)
    {
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        return window;
    }

    // ---------------------------------------------------------------- ASY-2 / SEL-1: the stream receives re-enable FD_READ

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_ReceiveOnADatagramSocket_ReenablesFdRead()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        var window = Associate(h, s);
        Assert.True(peer.SendTo("one"u8, address));
        Assert.True(peer.SendTo("two"u8, address));
        Assert.Equal([Message(s, NetworkEvents.Read)], window.Messages); // one FD_READ for both arrivals
        var buffer = new byte[8];

        Assert.Equal(3, h.Runtime.Receive(s, buffer).Value);

        Assert.Equal("one"u8.ToArray(), buffer[..3]);
        Assert.Equal([Message(s, NetworkEvents.Read), Message(s, NetworkEvents.Read)], window.Messages); // "two" remains
        Assert.Equal(3, h.Runtime.Receive(s, buffer).Value);
        Assert.Equal("two"u8.ToArray(), buffer[..3]);
        Assert.Equal(2, window.MessageCount); // nothing remains: no FD_READ
        Assert.True(peer.SendTo("three"u8, address)); // re-enabled by the last receive: the next arrival posts at once
        Assert.Equal(3, window.MessageCount);
        Assert.Equal(Message(s, NetworkEvents.Read), window.Messages[^1]);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "EXT-5")]
    public void ASY2_ReceiveBuffersOnADatagramSocket_ReenablesFdRead()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        var window = Associate(h, s);
        Assert.True(peer.SendTo("abcd"u8, address));
        Assert.True(peer.SendTo("efgh"u8, address));
        Assert.Equal([Message(s, NetworkEvents.Read)], window.Messages);
        var (a, b) = (new byte[2], new byte[2]);

        Assert.Equal(4, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, b }, SocketFlags.None).Value);

        Assert.Equal(("ab", "cd"), (System.Text.Encoding.ASCII.GetString(a), System.Text.Encoding.ASCII.GetString(b)));
        Assert.Equal([Message(s, NetworkEvents.Read), Message(s, NetworkEvents.Read)], window.Messages);
        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, new byte[1] }, SocketFlags.None).Error); // truncated: re-enables too
        Assert.Equal(2, window.MessageCount); // nothing remains
        Assert.True(peer.SendTo("i"u8, address));
        Assert.Equal(3, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    [Trait("Rule", "ASY-2")]
    public void SEL1_ReceiveAndReceiveBuffersOnADatagramSocket_RecordFdReadAgainWhileMessagesRemain()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        using var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        Assert.True(peer.SendTo("1"u8, address));
        Assert.True(peer.SendTo("2"u8, address));
        Assert.True(peer.SendTo("3"u8, address));
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.False(ev.IsSet);

        Assert.Equal(1, h.Runtime.Receive(s, new byte[4]).Value);

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(1, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { new byte[1], new byte[1] }, SocketFlags.None).Value);
        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(1, h.Runtime.Receive(s, new byte[4]).Value); // the last one
        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    // ---------------------------------------------------------------- DGM-2: an empty array of buffers

    [Fact]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "EXT-5")]
    public void DGM2_ReceiveFromBuffersWithAnEmptyArray_TakesAMessageAndKeepsNoneOfIt_MsgSizeUnlessItIsEmpty()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("abc"u8, address));
        Assert.True(peer.SendTo(ReadOnlySpan<byte>.Empty, address));
        Assert.True(peer.SendTo("xyz"u8, address));
        Assert.True(peer.SendTo("last"u8, address));
        var from = new SourceAddress();

        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFromBuffers(s, Array.Empty<WsaBuf>(), from).Error);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint); // the message was taken: its source is reported
        from.Clear();
        Assert.Equal(0, h.Runtime.ReceiveFromBuffers(s, Array.Empty<WsaBuf>(), from).Value); // the empty message fits
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);

        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFromBuffers(s, Array.Empty<WsaBuf>(), null, ov).Error);
        TestThreads.AssertSet(ov.Event!); // notified though it ended at once: the message was consumed (DGM-2)
        Assert.Equal((WsaError.MessageSize, 0), (ov.Error, ov.BytesTransferred));

        var buffer = new byte[8];
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, buffer, null).Value); // "abc" and "xyz" are gone, not split off
        Assert.Equal("last"u8.ToArray(), buffer[..4]);
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFromBuffers(s, Array.Empty<WsaBuf>(), null).Error);
    }

    // ---------------------------------------------------------------- MSG_PEEK on a datagram socket

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-1")]
    public void EXT5_PeekOnADatagramSocket_IsNotSimulated_TheMessageIsTaken()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("first"u8, address));
        Assert.True(peer.SendTo("second"u8, address));
        var (a, b) = (new byte[3], new byte[8]);

        Assert.Equal(5, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, b }, SocketFlags.Peek).Value);

        Assert.Equal("fir"u8.ToArray(), a);
        Assert.Equal("st"u8.ToArray(), b[..2]);
        var buffer = new byte[8];
        Assert.Equal(6, h.Runtime.ReceiveFrom(s, buffer, null).Value); // the peeked message was consumed (docs/api.md)
        Assert.Equal("second"u8.ToArray(), buffer[..6]);
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { buffer }, SocketFlags.Peek).Error);
    }

    // ---------------------------------------------------------------- ASY-3: no message after close or the final cleanup

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLS-3")]
    [Trait("Rule", "DGM-4")]
    public void ASY3_AfterCloseOfADatagramSocket_ADatagramToItsOldAddressPostsNoMessage_AndQueuedOnesStay()
    {
        using var h = new ProviderHarness();
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        var window = Associate(h, s);
        Assert.True(peer.SendTo("queued"u8, address));
        var before = window.Messages;
        Assert.Equal([Message(s, NetworkEvents.Read)], before);

        h.Runtime.CloseSocket(s).ThrowIfFailed();
        Assert.False(peer.SendTo("after close"u8, address)); // the address was released (DGM-4)

        // A new socket at the same address (no association) receives the next one; nothing is posted for the old handle.
        var successor = Datagrams.Socket(h);
        h.Runtime.Bind(successor, address).ThrowIfFailed();
        Assert.True(peer.SendTo("to the successor"u8, address));
        Assert.Equal(1, h.Runtime.Select([successor], null, null, TimeSpan.Zero).Value);

        Assert.Equal(before, window.Messages);
        Assert.Equal(1, window.PostedCount);
        Assert.Single(h.Upcalls.PostedMessages());
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLN-9")]
    [Trait("Rule", "DGM-4")]
    public void ASY3_AfterTheFinalCleanup_DatagramsToTheOldAddressesPostNoMessage()
    {
        using var h = new ProviderHarness(startups: 2);
        using var peer = Datagrams.Peer(h);
        var s = Datagrams.Bound(h, out var address);
        var quiet = Datagrams.Bound(h, out var quietAddress);
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Write).ThrowIfFailed();
        h.Runtime.AsyncSelect(quiet, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        Assert.True(peer.SendTo("before"u8, address));
        var before = window.Messages;
        Assert.Equal([Message(s, NetworkEvents.Write), Message(s, NetworkEvents.Read)], before);

        h.Runtime.Cleanup().ThrowIfFailed(); // count 2 -> 1: the association stays (CLN-3)
        Assert.True(peer.SendTo("still"u8, quietAddress));
        Assert.Equal(3, window.MessageCount);
        before = window.Messages;

        h.Runtime.Cleanup().ThrowIfFailed(); // count 1 -> 0: the final cleanup
        Assert.False(peer.SendTo("after"u8, address)); // both addresses were released (DGM-4)
        Assert.False(peer.SendTo("after"u8, quietAddress));
        Assert.Equal(0, h.Runtime.StartupCount);

        Assert.Equal(before, window.Messages);
        Assert.Equal(3, window.PostedCount);
        Assert.Equal(3, h.Upcalls.PostedMessages().Count);
        Assert.Equal(2, h.Network.DatagramsDropped); // the two late messages: dropped at the network, nothing is bound there
        h.AssertUnloadReady();
    }
}
