using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

public sealed partial class BlockingConformanceTests
{
    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_NoHook_BlockedCallJustWaits()
    {
        using var h = new ProviderHarness(blockingHookInterval: HookInterval);
        var (s, peer) = h.Connect();
        Assert.Null(h.BlockingHook);

        var receiver = Start(() => h.Runtime.Receive(s, new byte[4]));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");
        h.Time.Advance(HookInterval * 10);
        Assert.False(receiver.IsCompleted);
        peer.Write("ok"u8);

        Assert.Equal(2, Join(receiver).Value);
    }

    // ---------------------------------------------------------------- BLK-3

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelFromInsideTheHook_CallReturnsInterrupted()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        SpiResult cancel = WsaError.SystemCallFailure;
        h.BlockingHook = () =>
        {
            cancel = h.Runtime.CancelBlockingCall();
            return true;
        };

        var receiver = Start(() => h.Runtime.Receive(s, new byte[4]));
        var r = Join(receiver);

        Assert.Equal(WsaError.Interrupted, r.Error);
        Assert.Equal(10004, (int)r.Error);
        Assert.True(cancel.IsSuccess);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelOnLaterHookCall_CallReturnsInterrupted()
    {
        using var h = new ProviderHarness(blockingHookInterval: HookInterval);
        var (s, _) = h.Connect();
        int calls = 0;
        h.BlockingHook = () =>
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                h.Runtime.CancelBlockingCall().ThrowIfFailed();
            }

            return true;
        };

        var receiver = Start(() => h.Runtime.Receive(s, new byte[4]));
        SpinUntil(() => Volatile.Read(ref calls) == 1, "the hook is called at once");
        Assert.False(receiver.IsCompleted);
        h.Time.Advance(HookInterval);

        Assert.Equal(WsaError.Interrupted, Join(receiver).Error);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_HookReturningFalse_CancelsTheCall()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        int calls = 0;
        h.BlockingHook = () =>
        {
            Interlocked.Increment(ref calls);
            return false;
        };

        var r = Join(Start(() => h.Runtime.Receive(s, new byte[4])));

        Assert.Equal(WsaError.Interrupted, r.Error);
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_NoBlockingCallOnThread_CancelFailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();

        var r = h.Runtime.CancelBlockingCall();

        Assert.Equal(WsaError.InvalidArgument, r.Error);
        Assert.Equal(-1, r.ReturnValue);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelFromAnotherThread_DoesNotCancelTheBlockedCall()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var receiver = Start(() => h.Runtime.Receive(s, new byte[4]));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");

        var r = h.Runtime.CancelBlockingCall();

        Assert.Equal(WsaError.InvalidArgument, r.Error);
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        peer.Write("z"u8);
        Assert.Equal(1, Join(receiver).Value);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelAfterTheBlockingCallReturned_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var worker = Start(() =>
        {
            var r = h.Runtime.Receive(s, new byte[4]);
            return (r, h.Runtime.CancelBlockingCall());
        });
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the receive blocks");
        peer.Write("z"u8);

        var (received, cancel) = Join(worker);

        Assert.Equal(1, received.Value);
        Assert.Equal(WsaError.InvalidArgument, cancel.Error);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_DataArrivedBeforeCancel_CancelReturnsZeroAndCallSucceeds()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        using var hookEntered = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        SpiResult? cancel = null;
        h.BlockingHook = () =>
        {
            if (cancel is null)
            {
                hookEntered.Set();
                Assert.True(go.Wait(WaitLimit, TestContext.Current.CancellationToken));
                cancel = h.Runtime.CancelBlockingCall();
            }

            return true;
        };
        var buffer = new byte[8];

        var receiver = Start(() => h.Runtime.Receive(s, buffer));
        Assert.True(hookEntered.Wait(WaitLimit, TestContext.Current.CancellationToken));
        peer.Write("in time"u8);
        go.Set();
        var r = Join(receiver);

        Assert.NotNull(cancel);
        Assert.True(cancel.Value.IsSuccess);
        Assert.Equal(0, cancel.Value.ReturnValue);
        Assert.True(r.IsSuccess);
        Assert.Equal(7, r.Value);
        Assert.Equal("in time"u8.ToArray(), buffer[..7]);

        // The call completed, so nothing was broken.
        h.BlockingHook = null;
        peer.Write("more"u8);
        Assert.Equal(4, h.Runtime.Receive(s, buffer).Value);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelledStreamReceive_LaterCallsGiveConnectionAbortedButCloseWorks()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.BlockingHook = () =>
        {
            h.Runtime.CancelBlockingCall().ThrowIfFailed();
            return true;
        };
        Assert.Equal(WsaError.Interrupted, Join(Start(() => h.Runtime.Receive(s, new byte[4]))).Error);
        h.BlockingHook = null;
        peer.Write("late"u8);

        Assert.Equal(WsaError.ConnectionAborted, RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a blocking receive that should give ConnectionAborted at once").Error);
        Assert.Equal(WsaError.ConnectionAborted, RunBounded(() => h.Runtime.Send(s, new byte[4]), "a blocking send that should give ConnectionAborted at once").Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.Receive(s, new byte[4], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.Send(s, new byte[4], new WsaOverlapped()).Error);
        Assert.Equal(0, peer.Available);

        // "Later calls other than close": every other call on the socket, not only the data path.
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.Shutdown(s, SocketShutdown.Send).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.SetLinger(s, true, 0).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.SetBlocking(s, false).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.EventSelect(s, new WsaEvent(), NetworkEvents.Read).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.GetSockName(s).Error);
        Assert.Equal(WsaError.ConnectionAborted, h.Runtime.DuplicateSocket(s).Error);
        Assert.Equal(PeerState.Open, peer.State);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        Assert.False(h.Runtime.Sockets.Contains(s));
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelledStreamSend_LaterCallsGiveConnectionAborted()
    {
        using var h = new ProviderHarness(sendBufferSize: 2);
        var (s, _) = h.Connect();
        h.BlockingHook = () =>
        {
            h.Runtime.CancelBlockingCall();
            return true;
        };

        var r = Join(Start(() => h.Runtime.Send(s, "abcdef"u8.ToArray())));
        h.BlockingHook = null;

        Assert.Equal(WsaError.Interrupted, r.Error);
        Assert.Equal(WsaError.ConnectionAborted, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give ConnectionAborted at once").Error);
        Assert.Equal(WsaError.ConnectionAborted, RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give ConnectionAborted at once").Error);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelledAccept_LeavesTheListenerUsable()
    {
        using var h = new ProviderHarness();
        var listener = h.NewSocket();
        h.Runtime.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        h.Runtime.Listen(listener, 5).ThrowIfFailed();
        h.BlockingHook = () => false;

        var cancelled = Join(Start(() => h.Runtime.Accept(listener)));
        h.BlockingHook = null;
        h.Runtime.Connect(h.NewSocket(), h.Runtime.GetSockName(listener).Value).ThrowIfFailed();
        var accepted = h.Runtime.Accept(listener);

        Assert.Equal(WsaError.Interrupted, cancelled.Error);
        Assert.True(accepted.IsSuccess);
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    [Trait("Rule", "STA-8")]
    public void BLK3_CancelBeforeStartup_FailsWithNotInitialised()
    {
        using var h = new ProviderHarness();
        h.Runtime.Cleanup().ThrowIfFailed();

        Assert.Equal(WsaError.NotInitialized, h.Runtime.CancelBlockingCall().Error);

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
    }

    [Fact]
    [Trait("Rule", "BLK-3")]
    public void BLK3_CancelledCall_NotifiesNothing()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 1).ThrowIfFailed();
        h.BlockingHook = () => false;

        var worker = Start(() => (h.Runtime.Receive(s, new byte[4]), Environment.CurrentManagedThreadId));
        var (r, thread) = Join(worker);

        Assert.Equal(WsaError.Interrupted, r.Error);
        Assert.Equal(0, port.PostedCount);
        Assert.Equal(0, h.Runtime.Process.GetQueuedApcCount(thread));
    }
}
