using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 7: blocking calls, the blocking hook and WSPCancelBlockingCall (BLK-1..3).</summary>
public sealed partial class BlockingConformanceTests
{
    private static readonly TimeSpan HookInterval = TimeSpan.FromMilliseconds(100);

    // ---------------------------------------------------------------- BLK-1

    [Fact]
    [Trait("Rule", "BLK-1")]
    public void BLK1_BlockingReceive_WaitsUntilPeerWritesFromAnotherThread()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var buffer = new byte[16];

        var receiver = Start(() => h.Runtime.Receive(s, buffer));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");
        Assert.False(receiver.IsCompleted);
        var info = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal((OperationKind.Receive, NotificationKind.BlockingCall), (info.Kind, info.Notification));
        Assert.Null(info.Overlapped);

        peer.Write("wake up"u8);
        var r = Join(receiver);

        Assert.Equal(7, r.Value);
        Assert.Equal("wake up"u8.ToArray(), buffer[..7]);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    public void BLK1_BlockingReceive_WithDataWaiting_ReturnsAtOnce()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("ready"u8);

        var r = h.Runtime.Receive(s, new byte[16]);

        Assert.Equal(5, r.Value);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    [Trait("Rule", "OVL-8")]
    public void BLK1_BlockingReceive_ReturnsZeroWhenPeerClosesGracefully()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        var receiver = Start(() => h.Runtime.Receive(s, new byte[16]));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");
        peer.Close();

        var r = Join(receiver);
        Assert.True(r.IsSuccess);
        Assert.Equal(0, r.Value);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    [Trait("Rule", "OVL-8")]
    public void BLK1_BlockingReceive_FailsWithConnectionResetWhenPeerResets()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        var receiver = Start(() => h.Runtime.Receive(s, new byte[16]));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");
        peer.Reset();

        Assert.Equal(WsaError.ConnectionReset, Join(receiver).Error);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    public void BLK1_BlockingAccept_WaitsUntilAConnectionArrives()
    {
        using var h = new ProviderHarness();
        var listener = h.NewSocket();
        h.Runtime.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        h.Runtime.Listen(listener, 5).ThrowIfFailed();
        var endPoint = h.Runtime.GetSockName(listener).Value;

        var acceptor = Start(() => h.Runtime.Accept(listener));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the accept blocks");
        var client = h.NewSocket();
        h.Runtime.Connect(client, endPoint).ThrowIfFailed();
        var accepted = Join(acceptor);

        Assert.True(accepted.IsSuccess);
        Assert.Equal(h.Runtime.GetSockName(client).Value, h.Runtime.GetPeerName(accepted.Value).Value);
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_BlockingCallFromInsideTheHook_FailsWithInProgress()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var (other, _) = h.Connect();
        SpiResult<int> nested = default;
        h.BlockingHook = () =>
        {
            nested = h.Runtime.Receive(other, new byte[4]);
            peer.Write("x"u8);
            return true;
        };

        var r = h.Runtime.Receive(s, new byte[4]);

        Assert.Equal(1, r.Value);
        Assert.Equal(WsaError.InProgress, nested.Error);
    }

    // ---------------------------------------------------------------- BLK-2

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_Hook_IsCalledAtOnceOnTheBlockedThread()
    {
        using var h = new ProviderHarness(blockingHookInterval: HookInterval);
        var (s, peer) = h.Connect();
        int calls = 0;
        int hookThread = 0;
        h.BlockingHook = () =>
        {
            hookThread = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref calls);
            return true;
        };

        var receiver = Start(() => (h.Runtime.Receive(s, new byte[4]), Environment.CurrentManagedThreadId));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1 && Volatile.Read(ref calls) >= 1, "the hook is called");

        Assert.Equal(1, Volatile.Read(ref calls));
        peer.Write("x"u8);
        var (r, receiverThread) = Join(receiver);
        Assert.Equal(1, r.Value);
        Assert.Equal(receiverThread, Volatile.Read(ref hookThread));
        Assert.NotEqual(Environment.CurrentManagedThreadId, receiverThread);
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_Hook_IsCalledAgainEachIntervalOfProviderTime()
    {
        using var h = new ProviderHarness(blockingHookInterval: HookInterval);
        var (s, peer) = h.Connect();
        int calls = 0;
        var threads = new System.Collections.Concurrent.ConcurrentBag<int>();
        h.BlockingHook = () =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            Interlocked.Increment(ref calls);
            return true;
        };
        var receiver = Start(() => (h.Runtime.Receive(s, new byte[4]), Environment.CurrentManagedThreadId));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1 && Volatile.Read(ref calls) == 1, "the hook is called at once");

        // Less than one interval: no new call.
        h.Time.Advance(HookInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Volatile.Read(ref calls));
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        SpinUntil(() => Volatile.Read(ref calls) == 2, "the hook is called after one interval");
        h.Time.Advance(HookInterval);
        SpinUntil(() => Volatile.Read(ref calls) == 3, "the hook is called after two intervals");
        h.Time.Advance(HookInterval);
        SpinUntil(() => Volatile.Read(ref calls) == 4, "the hook is called after three intervals");

        peer.Write("x"u8);
        var (r, receiverThread) = Join(receiver);
        Assert.Equal(1, r.Value);
        Assert.Equal(4, Volatile.Read(ref calls));
        Assert.All(threads, t => Assert.Equal(receiverThread, t));
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_Hook_IsCalledWhileABlockingSendWaitsForRoom()
    {
        using var h = new ProviderHarness(sendBufferSize: 2, blockingHookInterval: HookInterval);
        var (s, peer) = h.Connect();
        int calls = 0;
        h.BlockingHook = () =>
        {
            Interlocked.Increment(ref calls);
            return true;
        };

        var sender = Start(() => h.Runtime.Send(s, "abcd"u8.ToArray()));
        SpinUntil(() => Volatile.Read(ref calls) == 1, "the hook is called");
        h.Time.Advance(HookInterval);
        SpinUntil(() => Volatile.Read(ref calls) == 2, "the hook is called again");
        var got = new List<byte>();
        SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == 4;
        }, "the peer read everything");

        Assert.Equal(4, Join(sender).Value);
        Assert.Equal("abcd"u8.ToArray(), got);
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_Hook_IsCalledWhileABlockingAcceptWaits()
    {
        using var h = new ProviderHarness(blockingHookInterval: HookInterval);
        var listener = h.NewSocket();
        h.Runtime.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        h.Runtime.Listen(listener, 5).ThrowIfFailed();
        int calls = 0;
        h.BlockingHook = () =>
        {
            Interlocked.Increment(ref calls);
            return true;
        };

        var acceptor = Start(() => h.Runtime.Accept(listener));
        SpinUntil(() => Volatile.Read(ref calls) == 1, "the hook is called");
        h.Time.Advance(HookInterval);
        SpinUntil(() => Volatile.Read(ref calls) == 2, "the hook is called again");
        h.Runtime.Connect(h.NewSocket(), h.Runtime.GetSockName(listener).Value).ThrowIfFailed();

        Assert.True(Join(acceptor).IsSuccess);
    }
}
