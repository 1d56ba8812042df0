using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §13: the port at completion (EXT-3), skip-on-success (EXT-4), scatter/gather and options (EXT-5), the Windows 10 close status (EXT-6).</summary>
public class CompletionDetailsConformanceTests
{
    [Fact]
    [Trait("Rule", "EXT-3")]
    public void EXT3_PortAssociatedAfterTheReceiveWasIssued_GetsItsPacket_OnSuccess()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var ov = h.PendReceive(s);
        var port = new CompletionPort();

        Assert.True(port.Associate(h.Runtime, s, 125).IsSuccess);
        peer.Write("data"u8);

        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal((125u, 4, WsaError.Success), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Same(ov, packet.Overlapped);
    }

    [Fact]
    [Trait("Rule", "EXT-3")]
    [Trait("Rule", "CLS-2")]
    public void EXT3_PortAssociatedAfterTheReceiveWasIssued_GetsItsPacket_OnClose()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var ov = h.PendReceive(s);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 125).IsSuccess);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal((125u, 0, WsaError.OperationAborted), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Same(ov, packet.Overlapped);
    }

    [Fact]
    [Trait("Rule", "EXT-4")]
    [Trait("Rule", "OVL-1")]
    public void EXT4_SkipCompletionPortOnSuccess_NoPacketForWhatCompletesAtOnce_APacketForWhatPends()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 9).IsSuccess);
        Assert.True(h.Runtime.SetCompletionNotificationModes(s, CompletionNotificationModes.SkipCompletionPortOnSuccess).IsSuccess);
        var ev = new WsaEvent();

        Assert.Equal(3, h.Runtime.Send(s, "abc"u8.ToArray(), new WsaOverlapped(ev)).Value);
        peer.Write("xy"u8);
        Assert.Equal(2, h.Runtime.Receive(s, new byte[8], new WsaOverlapped()).Value);
        Assert.Equal(0, port.Count);
        Assert.Equal(1, ev.SetCount); // the event is still set

        var pending = h.PendReceive(s);
        peer.Write("z"u8);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Same(pending, packet.Overlapped);
        Assert.Equal(1, packet.BytesTransferred);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.SetCompletionNotificationModes(s, (CompletionNotificationModes)0x80).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-4")]
    public void EXT4_EventWithItsLowBitSet_SuppressesThePacketOfThatOperationOnly()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 9).IsSuccess);
        var ev = new WsaEvent();
        var marked = new WsaOverlapped(ev) { EventHandleLowBit = true };
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], marked).Error);

        peer.Write("abc"u8);

        TestThreads.AssertSet(ev);
        Assert.Equal(3, marked.BytesTransferred);
        Assert.Equal(0, port.Count);
        var plain = h.PendReceive(s);
        peer.Write("d"u8);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Same(plain, packet.Overlapped);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_ScatterReceive_FillsTheBuffersInOrder_AndReportsAPartialFillExactly()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        peer.Write("abcdefg"u8);
        var first = new byte[3];
        var second = new byte[3];
        var third = new byte[3];

        var read = h.Runtime.ReceiveBuffers(s, new WsaBuf[] { first, second, third }, SocketFlags.None);

        Assert.Equal(7, read.Value);
        Assert.Equal("abc"u8.ToArray(), first);
        Assert.Equal("def"u8.ToArray(), second);
        Assert.Equal((byte)'g', third[0]);
        Assert.Equal(0, third[1]);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "OVL-2")]
    public void EXT5_PendingScatterReceive_CompletesAcrossItsBuffers()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var a = new byte[2];
        var b = new byte[4];
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, b }, SocketFlags.None, ov).Error);

        peer.Write("wxyz"u8);

        Assert.Equal(4, ov.BytesTransferred);
        Assert.Equal("wx"u8.ToArray(), a);
        Assert.Equal("yz"u8.ToArray(), b[..2]);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_GatherSend_SendsTheBuffersInOrder()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);

        var sent = h.Runtime.SendBuffers(s, new[] { WsaBuf.FromReadOnly("ab"u8.ToArray()), new WsaBuf(Array.Empty<byte>()), WsaBuf.FromReadOnly("cde"u8.ToArray()) });

        Assert.Equal(5, sent.Value);
        Assert.Equal("abcde"u8.ToArray(), TestData.ReadExactly(peer, 5));
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "OVL-9")]
    public void EXT5_NonBlockingGatherSend_ThatFitsInPart_ReportsExactlyTheBytesThatFitted()
    {
        using var h = new ProviderHarness(sendBufferSize: 5);
        var s = h.Connect(out var peer);
        Assert.True(h.Runtime.SetBlocking(s, blocking: false).IsSuccess);

        var sent = h.Runtime.SendBuffers(s, new[] { WsaBuf.FromReadOnly("abc"u8.ToArray()), WsaBuf.FromReadOnly("defg"u8.ToArray()) });

        Assert.Equal(5, sent.Value);
        Assert.Equal("abcde"u8.ToArray(), TestData.ReadExactly(peer, 5));
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_Peek_CopiesWithoutConsuming_TheNextReceiveGetsTheSameBytes()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        peer.Write("peekme"u8);
        var a = new byte[2];
        var b = new byte[2];

        Assert.Equal(4, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { a, b }, SocketFlags.Peek).Value);
        Assert.Equal("pe"u8.ToArray(), a);
        Assert.Equal("ek"u8.ToArray(), b);

        var all = new byte[16];
        Assert.Equal(6, h.Runtime.Receive(s, all).Value);
        Assert.Equal("peekme"u8.ToArray(), all[..6]);
        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { all }, SocketFlags.OutOfBand).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_GetSockOpt_ReadsBackWhatSetSockOptLeft()
    {
        using var h = new ProviderHarness(sendBufferSize: 4096);
        var s = h.NewSocket();
        int Get(SocketOptionName name) => h.Runtime.GetSocketOption(s, SocketOptionLevel.Socket, name).Value;

        Assert.Equal((1, 1, 0, 65536, 4096), (Get(SocketOptionName.DontLinger), Get(SocketOptionName.Type), Get(SocketOptionName.Error), Get(SocketOptionName.ReceiveBuffer), Get(SocketOptionName.SendBuffer)));
        Assert.Equal(new LingerState(false, 0), h.Runtime.GetLinger(s).Value);

        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 7).IsSuccess);
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.Error, 10054).IsSuccess);
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, 1000).IsSuccess);
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.SendBuffer, 2000).IsSuccess);

        Assert.Equal(new LingerState(true, 7), h.Runtime.GetLinger(s).Value);
        Assert.Equal((0, 10054, 1000, 2000), (Get(SocketOptionName.DontLinger), Get(SocketOptionName.Error), Get(SocketOptionName.ReceiveBuffer), Get(SocketOptionName.SendBuffer)));
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.DontLinger, 1).IsSuccess);
        Assert.Equal(new LingerState(false, 7), h.Runtime.GetLinger(s).Value);
        Assert.Equal(WsaError.ProtocolOption, h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.Type, 2).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.SetSocketOption(s, SocketOptionLevel.Tcp, SocketOptionName.SendBuffer, 1).Error);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "OVL-9")]
    public void EXT5_SendBufferSetBeforeConnect_SizesTheConnection()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.SendBuffer, 4).IsSuccess);
        Assert.True(h.Runtime.Connect(s, h.Listener.EndPoint).IsSuccess);
        Assert.True(h.Runtime.SetBlocking(s, blocking: false).IsSuccess);

        Assert.Equal(4, h.Runtime.Send(s, TestData.Pattern(10)).Value);
    }

    [Fact]
    [Trait("Rule", "EXT-6")]
    [Trait("Rule", "CLS-2")]
    public void EXT6_ByDefault_ClosingAConnectedSocket_AbortsItsReceiveWith995()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 1).IsSuccess);
        h.PendReceive(s);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(WsaError.OperationAborted, packet.Status);
    }

    [Fact]
    [Trait("Rule", "EXT-6")]
    public void EXT6_Windows10CloseStatus_ClosingAConnectedSocket_PostsConnectionAborted1236_ForItsReceivesOnly()
    {
        using var h = new ProviderHarness(sendBufferSize: 8, configure: o => o.Windows10CloseStatus = true);
        var s = h.Connect(out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 1).IsSuccess);
        var receive = h.PendReceive(s);
        var send = h.PendSend(s, TestData.Pattern(32));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.ConnectionAbortedLocally, receive.Error);
        Assert.Equal(1236, (int)receive.Error);
        Assert.Equal(WsaError.OperationAborted, send.Error);
        Assert.True(port.TryDequeue(out var first));
        Assert.Equal(WsaError.ConnectionAbortedLocally, first.Status);
    }

    [Fact]
    [Trait("Rule", "EXT-6")]
    [Trait("Rule", "CLN-4")]
    public void EXT6_Windows10CloseStatus_LeavesTheFinalCleanupSilentWith995()
    {
        using var h = new ProviderHarness(configure: o => o.Windows10CloseStatus = true);
        var s = h.Connect(out _);
        var receive = h.PendReceive(s, ev: new WsaEvent());

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, receive.Error);
        Assert.Equal(0, h.NotificationCount);
    }
}
