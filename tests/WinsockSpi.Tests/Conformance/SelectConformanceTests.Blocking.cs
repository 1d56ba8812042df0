using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 12, continued: a waiting select is a blocking call (SLT-2); bad input (SLT-3).</summary>
public sealed partial class SelectConformanceTests
{
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

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-2")]
    public void SLT2_AHookThatThrows_EndsTheSelectFirst_NothingStaysBlocked_TheThreadSelectsAgain()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.BlockingHook = () => throw new InvalidOperationException("the user's hook failed");

        RunBounded(
            () =>
            {
                Assert.Throws<InvalidOperationException>(() => h.Runtime.Select([s], null, null, timeout: null));
                Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
                h.BlockingHook = null;
                peer.Write("x"u8);
                return h.Runtime.Select([s], null, null, timeout: null).Value; // not WSAEINPROGRESS: the thread is free
            },
            "a select whose hook throws, then another");
        h.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    public void SLT2_AClockThatCannotMakeTheTimer_ThrowsBeforeTheSelectWaits_SetsUnchanged()
    {
        var clock = new ThrowingTimeProvider();
        using var h = new ProviderHarness(configure: o => o.TimeProvider = clock);
        var (s, _) = h.Connect();
        List<SocketHandle> read = [s];
        clock.Throw = true;

        Assert.Throws<InvalidOperationException>(() => h.Runtime.Select(read, null, null, TimeSpan.FromSeconds(1)));

        clock.Throw = false;
        Assert.Equal([s], read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        h.ValidateInvariants();
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

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_AClockThatFiresInsideCreateTimer_TimesTheSelectOutAtOnce_InsteadOfDeadlocking()
    {
        // The timer is made under the provider's lock, which is not reentrant; its callback takes that lock.
        using var h = new ProviderHarness();
        // Disposed only once the select has returned: after a deadlock, the disposal would wait for the lock too.
        var runtime = new WinsockSpi.Provider.ProviderRuntime(new WinsockSpi.Provider.ProviderOptions { Network = h.Network, TimeProvider = new InlineClock() });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var s = runtime.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).ThrowIfFailed();
        List<SocketHandle> read = [s];

        var result = RunBounded(() => runtime.Select(read, null, null, TimeSpan.FromSeconds(5)), "a select whose clock fires inside CreateTimer");

        Assert.Equal(0, result.Value);
        Assert.Empty(read);
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.True(runtime.IsUnloadReady);
        runtime.Dispose();
    }

    /// <summary>A clock that runs every timer's callback inside <c>CreateTimer</c>, as no real one does.</summary>
    private sealed class InlineClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            callback(state);
            return System.CreateTimer(static _ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
