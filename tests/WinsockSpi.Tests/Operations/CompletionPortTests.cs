using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Operations;

/// <summary>Unit tests of <see cref="CompletionPort"/>.</summary>
public sealed class CompletionPortTests
{
    [Fact]
    public void New_IsEmpty()
    {
        var port = new CompletionPort();

        Assert.Equal(0, port.Count);
        Assert.Equal(0, port.PostedCount);
        Assert.False(port.TryDequeue(out _));
        Assert.False(port.TryDequeue(out _, TimeSpan.Zero));
    }

    [Fact]
    public void Packets_AreDequeuedInPostingOrder()
    {
        var port = new CompletionPort();
        var ov = new WsaOverlapped();
        port.Post(new CompletionPacket(1, 10, ov, WsaError.Success));
        port.Post(new CompletionPacket(2, 20, ov, WsaError.OperationAborted));
        port.Post(new CompletionPacket(3, 30, ov, WsaError.NetNameDeleted));

        Assert.Equal(3, port.Count);
        Assert.True(port.TryDequeue(out var a));
        Assert.True(port.TryDequeue(out var b));
        Assert.True(port.TryDequeue(out var c));

        Assert.Equal(new nuint[] { 1, 2, 3 }, new[] { a.CompletionKey, b.CompletionKey, c.CompletionKey });
        Assert.Equal((10, WsaError.OperationAborted, WsaError.NetNameDeleted), (a.BytesTransferred, b.Status, c.Status));
        Assert.Equal(0, port.Count);
        Assert.Equal(3, port.PostedCount);
    }

    [Fact]
    public void TryDequeue_WithATimeout_ReturnsAsSoonAsAnotherThreadPosts()
    {
        var port = new CompletionPort();
        var ov = new WsaOverlapped();

        var poster = TestThreads.Start(() => port.Post(new CompletionPacket(7, 1, ov, WsaError.Success)));
        bool got = port.TryDequeue(out var packet, TestThreads.WaitLimit);
        TestThreads.Join(poster);

        Assert.True(got);
        Assert.Equal((nuint)7, packet.CompletionKey);
        Assert.Same(ov, packet.Overlapped);
    }

    [Fact]
    public void TryDequeue_InfiniteWait_ReturnsWhenAnotherThreadPosts()
    {
        var port = new CompletionPort();

        var waiter = TestThreads.Start(() => port.TryDequeue(out var p, Timeout.InfiniteTimeSpan) ? p.BytesTransferred : -1);
        port.Post(new CompletionPacket(0, 99, new WsaOverlapped(), WsaError.Success));

        Assert.Equal(99, TestThreads.Join(waiter));
    }

    [Fact]
    public void TryDequeue_WithANegativeTimeout_Throws()
    {
        var port = new CompletionPort();

        Assert.Throws<ArgumentOutOfRangeException>(() => port.TryDequeue(out _, TimeSpan.FromMilliseconds(-2)));
    }

    [Fact]
    public void ManyPosters_EveryPacketIsDequeuedOnce()
    {
        var port = new CompletionPort();
        var ov = new WsaOverlapped();
        var posters = Enumerable.Range(0, 4).Select(t => TestThreads.Start(() =>
        {
            for (int i = 0; i < 250; i++)
            {
                port.Post(new CompletionPacket((nuint)(t * 1000 + i), 0, ov, WsaError.Success));
            }
        })).ToArray();
        var keys = new HashSet<nuint>();

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(port.TryDequeue(out var packet, TestThreads.WaitLimit));
            Assert.True(keys.Add(packet.CompletionKey));
        }

        Assert.All(posters, p => TestThreads.Join(p));
        Assert.Equal(1000, port.PostedCount);
        Assert.False(port.TryDequeue(out _));
    }

    [Fact]
    public void Associate_ASocketTwice_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 1).ThrowIfFailed();

        Assert.Equal(WsaError.InvalidArgument, port.Associate(h.Runtime, s, 2).Error);
        Assert.Equal(WsaError.InvalidArgument, new CompletionPort().Associate(h.Runtime, s, 3).Error);
    }

    [Fact]
    public void Associate_UnknownHandle_FailsWithNotSocket()
    {
        using var h = new ProviderHarness();
        var port = new CompletionPort();

        Assert.Equal(WsaError.NotSocket, port.Associate(h.Runtime, new SocketHandle(0x99), 1).Error);
        Assert.Throws<ArgumentNullException>(() => port.Associate(null!, new SocketHandle(0x99), 1));
    }

    [Fact]
    [Trait("Rule", "STA-8")]
    public void Associate_BeforeStartup_FailsWithNotInitialised()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.Cleanup().ThrowIfFailed();

        Assert.Equal(WsaError.NotInitialized, new CompletionPort().Associate(h.Runtime, s, 1).Error);
    }

    [Fact]
    public void AssociatedSocket_PacketsCarryItsKey_AndADuplicateHandleSharesTheAssociation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 0xAB).ThrowIfFailed();
        var ov = new WsaOverlapped();

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(dup, new byte[4], ov).Error);
        peer.Write("dup"u8);

        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(new CompletionPacket(0xAB, 3, ov, WsaError.Success), packet);
        Assert.Equal(WsaError.InvalidArgument, port.Associate(h.Runtime, dup, 1).Error);
    }
}
