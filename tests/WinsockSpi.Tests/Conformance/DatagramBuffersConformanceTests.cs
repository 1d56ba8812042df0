using System.Net;
using System.Net.Sockets;
using WinsockSpi.Layering;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.Layering;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// EXT-5 for datagrams: WSPSendTo gathers an array of buffers into one message, WSPRecvFrom scatters one message over an
/// array of buffers, a message longer than the buffers together is cut with WSAEMSGSIZE (DGM-2). The provider and the
/// layered provider here; the Ws2 layer in the other part.
/// </summary>
public sealed partial class DatagramBuffersConformanceTests
{
    private static WsaBuf Ro(string text) => WsaBuf.FromReadOnly(System.Text.Encoding.ASCII.GetBytes(text));

    // ---------------------------------------------------------------- gather: one message from the buffers

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-1")]
    [Trait("Rule", "DGM-4")]
    public void EXT5_SendToBuffers_GathersTheBuffersInOrder_IntoOneMessage()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);

        var sent = h.Runtime.SendToBuffers(s, new[] { Ro("ab"), new WsaBuf(Array.Empty<byte>()), Ro("cde") }, peer.LocalEndPoint);

        Assert.Equal(5, sent.Value);
        Assert.Equal(1, peer.Available); // one datagram, never one per buffer
        var got = peer.Receive()!;
        Assert.Equal("abcde"u8.ToArray(), got.Data);
        Assert.Equal(Datagrams.SourceOf(h, s), got.Source);
        Assert.Equal(0, h.Runtime.SendToBuffers(s, Array.Empty<WsaBuf>(), peer.LocalEndPoint).Value); // no buffer: an empty datagram
        Assert.Empty(peer.Receive()!.Data);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-5")]
    [Trait("Rule", "OVL-1")]
    public void EXT5_OverlappedSendToBuffers_HeldByTheNetwork_Pends_ThenGoesAsOneMessage_AndPostsOnePacket()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 9).IsSuccess);
        var first = new byte[] { 1, 2 };
        var second = new byte[] { 3 };
        var ov = new WsaOverlapped();
        h.Network.HoldDatagrams = true;

        Assert.Equal(WsaError.IOPending, h.Runtime.SendToBuffers(s, new WsaBuf[] { first, second }, peer.LocalEndPoint, ov).Error);
        first[0] = 99; // gathered when the call started, as the transport copies the buffers
        h.Network.HoldDatagrams = false;

        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Assert.Equal((9u, 3, WsaError.Success), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Equal(new byte[] { 1, 2, 3 }, peer.Receive()!.Data);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-1")]
    public void EXT5_SendToBuffers_OnAConnectedDatagramSocket_GoesToTheConnectedAddress()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        using var elsewhere = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        h.Runtime.Connect(s, peer.LocalEndPoint).ThrowIfFailed();

        Assert.Equal(4, h.Runtime.SendToBuffers(s, new[] { Ro("x"), Ro("yz!") }, destination: null).Value);
        Assert.Equal(2, h.Runtime.SendToBuffers(s, new[] { Ro("n"), Ro("o") }, elsewhere.LocalEndPoint).Value);

        Assert.Equal("xyz!"u8.ToArray(), peer.Receive()!.Data);
        Assert.Equal("no"u8.ToArray(), peer.Receive()!.Data);
        Assert.Equal(0, elsewhere.Available);
    }

    // ---------------------------------------------------------------- scatter: one message over the buffers

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-1")]
    public void EXT5_ReceiveFromBuffers_ScattersOneMessageInOrder_AndFillsTheSource()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("abcdefg"u8, address));
        Assert.True(peer.SendTo("next"u8, address));
        var (a, b, c) = (new byte[3], new byte[3], new byte[3]);
        var from = new SourceAddress();

        var read = h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b, c }, from);

        Assert.Equal(7, read.Value);
        Assert.Equal("abc"u8.ToArray(), a);
        Assert.Equal("def"u8.ToArray(), b);
        Assert.Equal(new byte[] { (byte)'g', 0, 0 }, c);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        var rest = new byte[8];
        Assert.Equal(4, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { rest }, from).Value); // the next message, whole
        Assert.Equal("next"u8.ToArray(), rest[..4]);
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "EXT-5")]
    public void DGM2_AMessageLongerThanTheBuffers_FillsThemAll_GivesMsgSize_AndTheRestIsDiscarded()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("abcdefghij"u8, address));
        Assert.True(peer.SendTo("ok"u8, address));
        var (a, b) = (new byte[3], new byte[4]);
        var from = new SourceAddress();

        var truncated = h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from);

        Assert.Equal(WsaError.MessageSize, truncated.Error);
        Assert.Equal("abc"u8.ToArray(), a);
        Assert.Equal("defg"u8.ToArray(), b);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        var (c, d) = (new byte[1], new byte[4]);
        Assert.Equal(2, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { c, d }, from).Value); // "hij" was discarded, not split off
        Assert.Equal(("o", "k"), (System.Text.Encoding.ASCII.GetString(c), System.Text.Encoding.ASCII.GetString(d, 0, 1)));
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "OVL-2")]
    public void DGM2_PendingOverlappedScatterReceive_CompletesWithMsgSize_AndExactlyTheBytesCopied()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var (a, b) = (new byte[2], new byte[3]);
        var from = new SourceAddress();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from, ov).Error);

        Assert.True(peer.SendTo("0123456789"u8, address));

        AssertSet(ev);
        Assert.Equal((OperationStatus.Failed, WsaError.MessageSize, 5), (ov.Status, ov.Error, ov.BytesTransferred));
        Assert.Equal("01"u8.ToArray(), a);
        Assert.Equal("234"u8.ToArray(), b);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(WsaError.MessageSize, h.Runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(1, h.NotificationsOf(ov));
    }

    [Fact]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "OVL-1")]
    public void DGM2_OverlappedScatterReceiveTruncatedAtOnce_GivesMsgSize_AndPostsThePacketWithTheBytesCopied()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 5).IsSuccess);
        Assert.True(peer.SendTo("abcdef"u8, address));
        var ov = new WsaOverlapped();

        Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { new byte[1], new byte[2] }, null, ov).Error);

        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Assert.Equal((5u, 3, WsaError.MessageSize), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Same(ov, packet.Overlapped);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-5")]
    [Trait("Rule", "OVL-4")]
    public void EXT5_ScatterReceiveWithACompletionRoutine_RunsItOnTheInitiatingThread_WithTheBytesAcrossTheBuffers()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var probe = new RoutineProbe();
        var (a, b) = (new byte[2], new byte[8]);
        var from = new SourceAddress();
        using var started = new ManualResetEventSlim();
        using var sent = new ManualResetEventSlim();
        var initiator = Start(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from, new WsaOverlapped(), probe.Routine).Error);
            started.Set();
            WaitFor(sent);
            return (Thread: Environment.CurrentManagedThreadId, Ran: h.Process.AlertableWait(WaitLimit));
        });
        WaitFor(started);

        Assert.True(peer.SendTo("hello"u8, address));
        sent.Set();

        var outcome = Join(initiator);
        Assert.Equal((1, outcome.Thread), (outcome.Ran, probe.ThreadId));
        Assert.Equal((WsaError.Success, 5), (probe.Error, probe.Bytes));
        Assert.Equal("he"u8.ToArray(), a);
        Assert.Equal("llo"u8.ToArray(), b[..3]);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-5")]
    [Trait("Rule", "BLK-1")]
    public void EXT5_BlockingScatterReceive_WaitsForAMessage_NonBlockingGivesWouldBlock()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var s = Datagrams.Bound(h, out var address);
        var sender = Datagrams.Bound(other, out _);
        var (a, b) = (new byte[1], new byte[4]);
        var from = new SourceAddress();
        var blocked = h.StartBlocked(() => h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from));

        Assert.Equal(3, other.Runtime.SendToBuffers(sender, new[] { Ro("x"), Ro("yz") }, address).Value);

        Assert.Equal(3, Join(blocked).Value);
        Assert.Equal("x"u8.ToArray(), a);
        Assert.Equal("yz"u8.ToArray(), b[..2]);
        Assert.Equal(Datagrams.SourceOf(other, sender), from.EndPoint);
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_ReceiveBuffers_OnADatagramSocket_ScattersTheMessageToo()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(peer.SendTo("wxyz"u8, address));
        var (a, b) = (new byte[2], new byte[2]);

        Assert.Equal(4, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, b }, SocketFlags.None).Value);

        Assert.Equal("wx"u8.ToArray(), a);
        Assert.Equal("yz"u8.ToArray(), b);
    }

    // ---------------------------------------------------------------- misuse: the errors of the single-buffer calls

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-1")]
    public void EXT5_DatagramMisuse_GivesTheErrorsOfSendToAndReceiveFrom()
    {
        using var h = new ProviderHarness();
        var unbound = Datagrams.Socket(h);
        WsaBuf[] one = [new byte[4]];

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.ReceiveFromBuffers(unbound, one, null).Error); // not bound
        Assert.Equal(h.Runtime.ReceiveFrom(unbound, new byte[4], null).Error, h.Runtime.ReceiveFromBuffers(unbound, new WsaBuf[] { new byte[1], new byte[1] }, null).Error);
        Assert.Equal(WsaError.DestinationAddressRequired, h.Runtime.SendToBuffers(unbound, new[] { Ro("a"), Ro("b") }, null).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.SendBuffers(unbound, new[] { Ro("a"), Ro("b") }).Error); // WSPSend on a datagram socket
        Assert.Equal(WsaError.MessageSize, h.Runtime.SendToBuffers(unbound, new WsaBuf[] { new byte[65_000], new byte[508] }, new IPEndPoint(IPAddress.Loopback, 9)).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.SendToBuffers(new SocketHandle(0x99), one, new IPEndPoint(IPAddress.Loopback, 9)).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.ReceiveFromBuffers(new SocketHandle(0x99), one, null).Error);
        var overlapped = new WsaOverlapped();
        var bound = Datagrams.Bound(h, out _);
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFromBuffers(bound, one, null, overlapped).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.ReceiveFromBuffers(bound, one, null, overlapped).Error); // OVL-7: in use

        using var unstarted = new ProviderHarness(startups: 0);
        Assert.Equal(WsaError.NotInitialized, unstarted.Runtime.ReceiveFromBuffers(unbound, one, null).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_SendToBuffersLongerThanAnyDatagram_GivesMsgSizeAfterTheHandleChecks_WithoutGathering()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);
        var to = new IPEndPoint(IPAddress.Loopback, 9);
        byte[] big = new byte[1 << 20];
        WsaBuf[] huge = [big, big, big]; // 3 MiB, the same array three times: gathering it would copy 3 MiB for nothing

        var overlapped = new WsaOverlapped();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(WsaError.MessageSize, h.Runtime.SendToBuffers(s, huge, to).Error);
        Assert.Equal(WsaError.MessageSize, h.Runtime.SendToBuffers(s, huge, to, overlapped).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.SendToBuffers(new SocketHandle(0x99), huge, to).Error);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a refused message was gathered"); // the calls' log lines are far smaller
        Assert.Equal(0, h.Network.DatagramsDelivered + h.Network.DatagramsDropped);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);

        using var unstarted = new ProviderHarness(startups: 0);
        Assert.Equal(WsaError.NotInitialized, unstarted.Runtime.SendToBuffers(s, huge, to).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_OnAStreamSocket_SendToBuffersIsSendBuffers_AndReceiveFromBuffersIsReceiveBuffers()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var from = new SourceAddress();

        Assert.Equal(4, h.Runtime.SendToBuffers(s, new[] { Ro("ab"), Ro("cd") }, new IPEndPoint(IPAddress.Loopback, 9)).Value); // the address is ignored
        Assert.Equal("abcd"u8.ToArray(), TestData.ReadExactly(peer, 4));
        peer.Write("stream"u8);
        var (a, b) = (new byte[2], new byte[8]);
        Assert.Equal(6, h.Runtime.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from).Value);
        Assert.Equal("st"u8.ToArray(), a);
        Assert.Equal("ream"u8.ToArray(), b[..4]);
        Assert.Null(from.EndPoint); // a stream reports no source

        var unconnected = h.NewSocket();
        Assert.Equal(h.Runtime.SendBuffers(unconnected, new[] { Ro("a"), Ro("b") }).Error, h.Runtime.SendToBuffers(unconnected, new[] { Ro("a"), Ro("b") }, null).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.ReceiveFromBuffers(unconnected, new WsaBuf[] { new byte[1], new byte[1] }, from).Error);
    }

    // ---------------------------------------------------------------- through a layered provider

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-2")]
    public void EXT5_LayeredProvider_ForwardsSendToBuffersAndReceiveFromBuffers_TheInterceptorSeesTheBytes()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = LayerTestKit.Started(runtime, interceptor);
        using var peer = runtime.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = LayerTestKit.BoundDatagram(layer);
        var address = layer.GetSockName(s).ThrowIfFailed();

        Assert.Equal(5, layer.SendToBuffers(s, new[] { Ro("lay"), Ro("er") }, peer.LocalEndPoint).Value);
        Assert.Equal("layer"u8.ToArray(), peer.Receive()!.Data);
        Assert.True(peer.SendTo("0123456"u8, address));
        var (a, b) = (new byte[2], new byte[3]);
        var from = new SourceAddress();
        Assert.Equal(WsaError.MessageSize, layer.ReceiveFromBuffers(s, new WsaBuf[] { a, b }, from).Error);

        Assert.Equal("01"u8.ToArray(), a);
        Assert.Equal("234"u8.ToArray(), b);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(5, interceptor.CallsOf(WspEntry.SendToBuffers).Single().Result.Bytes);
        var receive = interceptor.CallsOf(WspEntry.ReceiveFromBuffers).Single();
        Assert.Equal((WsaError.MessageSize, true), (receive.Result.Error, receive.Result.Forwarded));
        Assert.True(layer.Cleanup().IsSuccess);
    }
}
