using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 12: WSPSelect, its readiness rules (SLT-1), as a blocking call (SLT-2), its bad input (SLT-3).</summary>
public sealed class SelectConformanceTests
{
    private static readonly IPEndPoint Nowhere = new(IPAddress.Loopback, 9);

    // ---------------------------------------------------------------- SLT-1: readiness, polling

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Poll_LeavesOnlyTheSocketsWithDataQueued_AndCountsThem()
    {
        using var h = new ProviderHarness();
        var (quiet, _) = h.Connect();
        var (busy, busyPeer) = h.Connect();
        var (alsoQuiet, _) = h.Connect();
        busyPeer.Write("data"u8);
        List<SocketHandle> read = [quiet, busy, alsoQuiet];

        var r = h.Runtime.Select(read, null, null, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([busy], read);
        Assert.Equal(4, h.Runtime.Receive(busy, new byte[16]).Value); // readable: a receive completes at once
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Poll_NothingReady_ReturnsZeroAndEmptiesTheSets_WithoutBlocking()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var listening = h.Listen();
        List<SocketHandle> read = [s, listening];
        List<SocketHandle> except = [s];

        var r = h.Runtime.Select(read, null, except, TimeSpan.Zero);

        Assert.Equal(0, r.Value);
        Assert.Empty(read);
        Assert.Empty(except);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Theory]
    [Trait("Rule", "SLT-1")]
    [InlineData(false)]
    [InlineData(true)]
    public void SLT1_PeerClosedOrReset_IsReadable_AndTheReceiveDoesNotBlock(bool reset)
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        if (reset)
        {
            peer.Reset();
        }
        else
        {
            peer.Close();
        }

        List<SocketHandle> read = [s];
        Assert.Equal(1, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        Assert.Equal([s], read);

        var received = h.Runtime.Receive(s, new byte[4]);
        Assert.Equal(reset ? WsaError.ConnectionReset : WsaError.Success, received.Error);
        Assert.Equal(0, received.GetValueOrDefault(0));
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Listener_IsReadableOnlyWhileAConnectionWaits()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(5, out var endPoint);
        List<SocketHandle> read = [listening];
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);

        var client = h.NewSocket();
        h.Runtime.Connect(client, endPoint).ThrowIfFailed();
        read = [listening];
        Assert.Equal(1, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        Assert.Equal([listening], read);

        Assert.True(h.Runtime.Accept(listening).IsSuccess); // readable: the accept completes at once
        read = [listening];
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Writable_WhileTheSendBufferHasRoom_NotWhenFull()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, peer) = h.Connect();
        var fresh = h.NewSocket(); // not connected: never writable
        List<SocketHandle> write = [s, fresh];
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
        Assert.Equal([s], write);

        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        while (h.Runtime.Send(s, new byte[64]).IsSuccess)
        {
        }

        write = [s];
        Assert.Equal(0, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);

        peer.ReadAvailable();
        write = [s];
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_NonBlockingConnectThatSucceeded_IsWritable_NotExceptional()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        var r = h.Runtime.Select(null, write, except, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_NonBlockingConnectThatFailed_IsInTheExceptSet_UntilTheNextConnect()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, Nowhere).Error);
        List<SocketHandle> read = [s];
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        Assert.Equal(1, h.Runtime.Select(read, write, except, TimeSpan.Zero).Value);
        Assert.Empty(read);
        Assert.Empty(write);
        Assert.Equal([s], except);

        // The socket may try again; the new attempt forgets the failure.
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
        write = [s];
        except = [s];
        Assert.Equal(1, h.Runtime.Select(null, write, except, TimeSpan.Zero).Value);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_AHandleInTwoSets_CountsOncePerSetItIsReadyIn()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("x"u8);
        List<SocketHandle> read = [s];
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        Assert.Equal(2, h.Runtime.Select(read, write, except, TimeSpan.Zero).Value);
        Assert.Equal([s], read);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    // ---------------------------------------------------------------- SLT-1: waiting, timeout

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "BLK-1")]
    public void SLT1_NoTimeout_WaitsUntilDataArrives_ThenLeavesOnlyThatSocket()
    {
        using var h = new ProviderHarness();
        var (a, _) = h.Connect();
        var (b, peerB) = h.Connect();
        List<SocketHandle> read = [a, b];

        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));
        var info = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal((OperationKind.Select, NotificationKind.BlockingCall, a), (info.Kind, info.Notification, info.Socket));
        h.Time.Advance(TimeSpan.FromDays(1)); // no timeout: the clock does not end it
        Assert.False(selector.IsCompleted);

        peerB.Write("hello"u8);

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([b], read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        h.ValidateInvariants();
    }

    [Theory]
    [Trait("Rule", "SLT-1")]
    [InlineData("connection")]
    [InlineData("peer close")]
    [InlineData("peer reset")]
    [InlineData("room")]
    public void SLT1_AWaitingSelect_IsWokenByEveryChangeThatMakesASocketReady(string change)
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var listening = h.ListenOnFreePort(5, out var endPoint);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        while (h.Runtime.Send(s, new byte[64]).IsSuccess)
        {
        }

        List<SocketHandle> read = [listening, s];
        List<SocketHandle> write = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, write, null, TimeSpan.FromSeconds(30)));

        SocketHandle expected;
        switch (change)
        {
            case "connection":
                var client = h.NewSocket();
                h.Runtime.Connect(client, endPoint).ThrowIfFailed();
                expected = listening;
                break;
            case "peer close":
                peer.Close();
                expected = s;
                break;
            case "peer reset":
                peer.Reset();
                expected = s;
                break;
            default:
                peer.ReadAvailable();
                expected = s;
                break;
        }

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal(change == "room" ? [] : [expected], read);
        Assert.Equal(change == "room" ? [expected] : [], write);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Timeout_ComesFromTheTimeProvider_AndReturnsZeroWithEmptySets()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        List<SocketHandle> read = [s];
        List<SocketHandle> except = [s];

        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, except, TimeSpan.FromSeconds(5)));
        h.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(selector.IsCompleted);
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);

        h.Time.Advance(TimeSpan.FromSeconds(0.1));

        var r = Join(selector);
        Assert.True(r.IsSuccess);
        Assert.Equal(0, r.Value);
        Assert.Empty(read);
        Assert.Empty(except);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        h.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "BLK-1")]
    public void SLT1_TheTimerOfASelectThatEnded_DoesNotEndTheThreadsNextBlockingCall()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var done = new ManualResetEventSlim();
        var next = new ManualResetEventSlim();
        SpiResult<int> receive = default;
        var worker = Start(() =>
        {
            List<SocketHandle> read = [s];
            var selected = h.Runtime.Select(read, null, null, TimeSpan.FromSeconds(5));
            done.Set();
            WaitFor(next);
            receive = h.Runtime.Receive(s, new byte[16]); // the same thread, the same blocking record
            return selected;
        });
        WaitForBlockedCalls(h.Runtime, 1);
        peer.Write("a"u8);
        WaitFor(done);
        Assert.Equal(1, h.Runtime.Receive(s, new byte[16]).Value);

        next.Set();
        WaitForBlockedCalls(h.Runtime, 1);
        h.Time.Advance(TimeSpan.FromSeconds(10)); // the old select's timeout passes while the receive blocks
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        Assert.False(worker.IsCompleted);

        peer.Write("bc"u8);
        Assert.Equal(1, Join(worker).Value);
        Assert.Equal(2, receive.Value);
    }

    // ---------------------------------------------------------------- SLT-2: a blocking call

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-2")]
    public void SLT2_WaitingSelect_CallsTheBlockingHookOnItsThread()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        int hookThread = 0, calls = 0;
        h.BlockingHook = () =>
        {
            hookThread = Environment.CurrentManagedThreadId;
            if (++calls == 3)
            {
                peer.Write("x"u8);
            }

            return true;
        };
        int selectThread = 0;
        List<SocketHandle> read = [s];

        var selector = h.StartBlocked(() =>
        {
            selectThread = Environment.CurrentManagedThreadId;
            return h.Runtime.Select(read, null, null, timeout: null);
        });
        SpinUntil(() => Volatile.Read(ref calls) >= 1, "the hook runs at once");
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        SpinUntil(() => Volatile.Read(ref calls) >= 2 || selector.IsCompleted, "the hook runs again after an interval");
        h.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal(3, calls);
        Assert.Equal(selectThread, hookThread);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-3")]
    public void SLT2_CancelBlockingCallFromTheHook_EndsTheSelectWithInterrupted_SetsUnchanged()
    {
        using var h = new ProviderHarness();
        var (a, _) = h.Connect();
        var (b, _) = h.Connect();
        SpiResult cancel = default;
        h.BlockingHook = () =>
        {
            cancel = h.Runtime.CancelBlockingCall();
            return true;
        };
        List<SocketHandle> read = [a, b];

        var r = RunBounded(() => h.Runtime.Select(read, null, null, timeout: null), "a select cancelled by its hook");

        Assert.True(cancel.IsSuccess);
        Assert.Equal(WsaError.Interrupted, r.Error);
        Assert.Equal([a, b], read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);

        // A cancelled select breaks no stream: the sockets work on.
        h.BlockingHook = null;
        Assert.Equal(1, h.Runtime.Send(a, "y"u8.ToArray()).Value);
        h.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-2")]
    public void SLT2_AWaitingSelectFromInsideTheHook_FailsWithInProgress_APollingOneWorks()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var (other, otherPeer) = h.Connect();
        var (quiet, _) = h.Connect();
        otherPeer.Write("z"u8);
        SpiResult<int> nestedWait = default, nestedPoll = default;
        List<SocketHandle> pollSet = [other];
        h.BlockingHook = () =>
        {
            nestedWait = h.Runtime.Select([quiet], null, null, timeout: null);
            nestedPoll = h.Runtime.Select(pollSet, null, null, TimeSpan.Zero);
            peer.Write("x"u8);
            return true;
        };
        List<SocketHandle> read = [s];

        Assert.Equal(1, RunBounded(() => h.Runtime.Select(read, null, null, timeout: null), "a select whose hook selects").Value);

        Assert.Equal(WsaError.InProgress, nestedWait.Error); // it would have to wait, so it is a blocking call (BLK-3)
        Assert.Equal(1, nestedPoll.Value);
        Assert.Equal([other], pollSet);
        Assert.Equal([s], read); // the nested select did not disturb the outer one's sets
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLN-5")]
    public void SLT2_FinalCleanup_EndsAWaitingSelectWithInterrupted_WithoutNotification()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        List<SocketHandle> read = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, Join(selector).Error);
        Assert.Equal([s], read);
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLN-5")]
    public void SLT2_FinalCleanup_EndsAWaitingSelectWithATimeout_AndItsTimerLaterChangesNothing()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var selector = h.StartBlocked(() => h.Runtime.Select([s], null, null, TimeSpan.FromSeconds(1)));

        Assert.True(h.Runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.Interrupted, Join(selector).Error);

        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "PRC-2")]
    public void SLT2_ProcessDeath_EndsAWaitingSelectWithInterrupted()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var selector = h.StartBlocked(() => h.Runtime.Select([s], [], null, timeout: null));

        h.Process.Terminate();

        Assert.Equal(WsaError.Interrupted, Join(selector).Error);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Theory]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLS-1")]
    [InlineData(false)]
    [InlineData(true)]
    public void SLT2_ASocketClosedByAnotherThreadWhileSelectWaits_IsReportedReadable_ThenIsNoSocket(bool duplicate)
    {
        using var h = new ProviderHarness();
        var (quiet, _) = h.Connect();
        var (closing, _) = h.Connect();
        var handle = duplicate ? h.Runtime.DuplicateSocket(closing).ThrowIfFailed() : closing;
        List<SocketHandle> read = [quiet, handle];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        Assert.True(h.Runtime.CloseSocket(handle).IsSuccess);

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([handle], read);
        Assert.All(SpiCalls.Errors(h.Runtime, handle), e => Assert.Equal(WsaError.NotSocket, e));
        Assert.Equal(WsaError.NotSocket, h.Runtime.Select([handle], null, null, TimeSpan.Zero).Error);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    public void SLT2_AClosedSocket_IsReportedInEverySetHoldingIt_SoASelectForWritingOnlyEndsToo()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, _) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        while (h.Runtime.Send(s, new byte[64]).IsSuccess)
        {
        }

        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(null, write, except, timeout: null));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(2, Join(selector).Value);
        Assert.Equal([s], write);
        Assert.Equal([s], except);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-3")]
    public void SLT2_TwoThreadsSelecting_OnlyTheCancelledOneEnds()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var cancelMe = new ManualResetEventSlim();
        int cancelThread = 0;
        h.BlockingHook = () => !cancelMe.IsSet || Environment.CurrentManagedThreadId != Volatile.Read(ref cancelThread);
        var first = h.StartBlocked(() => h.Runtime.Select([s], null, null, timeout: null));
        var second = h.StartBlocked(() =>
        {
            Volatile.Write(ref cancelThread, Environment.CurrentManagedThreadId);
            return h.Runtime.Select([s], null, null, timeout: null);
        });

        cancelMe.Set();
        h.Time.Advance(TimeSpan.FromMilliseconds(100)); // each hook runs again; the second thread's hook gives up

        Assert.Equal(WsaError.Interrupted, Join(second).Error);
        Assert.False(first.IsCompleted);
        peer.Write("x"u8);
        Assert.Equal(1, Join(first).Value);
    }

    // ---------------------------------------------------------------- SLT-3: bad input

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void SLT3_AHandleThatIsNotASocketOfTheProvider_FailsWithNotSocket_SetsUnchanged()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var (s, peer) = h.Connect();
        peer.Write("x"u8);
        var foreign = other.NewSocket();
        var closed = h.NewSocket();
        h.Runtime.CloseSocket(closed).ThrowIfFailed();

        foreach (var bad in new[] { new SocketHandle(0x1234), foreign, closed, SocketHandle.Invalid })
        {
            List<SocketHandle> read = [s];
            List<SocketHandle> except = [bad];
            var r = RunBounded(() => h.Runtime.Select(read, null, except, timeout: null), "a select with a bad handle");
            Assert.Equal(WsaError.NotSocket, r.Error);
            Assert.Equal([s], read);
            Assert.Equal([bad], except);
        }
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void SLT3_EverySetEmptyOrNull_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Select(null, null, null, TimeSpan.Zero).Error);
        Assert.Equal(WsaError.InvalidArgument, RunBounded(() => h.Runtime.Select([], [], [], timeout: null), "a select with no sockets").Error);
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void SLT3_OtherBadInput_NegativeTimeoutIsInvalid_ReadOnlySetIsMisuse_NotStartedIsNotInitialised()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Select([s], null, null, TimeSpan.FromSeconds(-1)).Error);
        Assert.Throws<ArgumentException>(() => h.Runtime.Select(new[] { s }, null, null, TimeSpan.Zero));

        using var unstarted = new ProviderHarness(startups: 0);
        Assert.Equal(WsaError.NotInitialized, unstarted.Runtime.Select([s], null, null, TimeSpan.Zero).Error);
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void SLT3_ManyHandles_HaveNoLimitAtTheProvider()
    {
        using var h = new ProviderHarness();
        var handles = new List<SocketHandle>();
        for (int i = 0; i < 300; i++)
        {
            handles.Add(h.NewSocket());
        }

        var (s, peer) = h.Connect();
        peer.Write("x"u8);
        handles.Insert(150, s);

        Assert.Equal(1, h.Runtime.Select(handles, null, null, TimeSpan.Zero).Value);
        Assert.Equal([s], handles);
    }
}
