using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>The test kit itself: its bounds fail instead of hanging, and its failures say what state they found.</summary>
public sealed class ProviderHarnessTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void RunBounded_ACallThatNeverReturns_FailsWithinItsBound()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();

        var e = Assert.Throws<HarnessAssertionException>(() => TestThreads.RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a receive nobody answers", Short));

        Assert.Contains("a receive nobody answers did not finish", e.Message, StringComparison.Ordinal);
        peer.Write("x"u8); // releases the abandoned receive, so the harness disposes cleanly
        TestThreads.WaitForBlockedCalls(h.Runtime, 0);
    }

    [Fact]
    public void Watchdog_ABlockingCallOnTheTestThread_IsReleasedAndTheHarnessReportsIt()
    {
        var h = new ProviderHarness(watchdog: Short);
        var (s, _) = h.Connect();

        var r = h.Runtime.Receive(s, new byte[4]); // nobody writes: only the watchdog ends this call

        Assert.False(r.IsSuccess);
        Assert.True(h.Process.IsTerminated);
        var e = Assert.Throws<HarnessAssertionException>(h.Dispose);
        Assert.Contains("watchdog ended the provider's process", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartBlocked_ACallThatReturnsAtOnce_FailsSayingItReturned()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("ready"u8);

        HarnessAssertionException? e = null;
        try
        {
            _ = h.StartBlocked(() => h.Runtime.Receive(s, new byte[8]));
        }
        catch (HarnessAssertionException caught)
        {
            e = caught;
        }

        Assert.NotNull(e);
        Assert.Contains("returned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PendReceive_WhenDataIsWaiting_FailsNamingWhatTheCallGave()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("ready"u8);

        var e = Assert.Throws<HarnessAssertionException>(() => h.PendReceive(s));

        Assert.Contains("Expected the receive to pend", e.Message, StringComparison.Ordinal);
        Assert.Contains(WsaError.Success.ToSymbol(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertUnloadReady_WithASocketLeft_ListsWhatIsHeld()
    {
        using var h = new ProviderHarness();
        h.NewSocket();

        var e = Assert.Throws<HarnessAssertionException>(h.AssertUnloadReady);

        Assert.Contains("startup count 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 sockets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpcallSpy_CountsEachNotificationOfEachOperation_AndForwardsIt()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var withEvent = h.PendReceive(s, size: 1, ev: new WsaEvent());
        var routine = new RoutineProbe();
        var withRoutine = h.PendReceive(s, size: 1, routine: routine.Routine);

        peer.Write("ab"u8);

        Assert.Equal((1, 1, 2), (h.CompletionCount, h.ApcCount, h.NotificationCount));
        Assert.Equal(1, h.NotificationsOf(withEvent));
        Assert.Equal(1, h.NotificationsOf(withRoutine));
        Assert.True(withEvent.Event!.IsSet);
        Assert.Equal(1, h.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, routine.Calls);
    }

    [Fact]
    public void OnLog_RunsOnTheLoggingThreadAtTheNamedEvent()
    {
        using var h = new ProviderHarness();
        int threadAtClose = 0;
        h.OnLog("SocketClosed", () => threadAtClose = Environment.CurrentManagedThreadId);
        var s = h.NewSocket();

        int closer = TestThreads.RunBounded(
            () =>
            {
                h.Runtime.CloseSocket(s).ThrowIfFailed();
                return Environment.CurrentManagedThreadId;
            },
            "a close");

        Assert.Equal(closer, threadAtClose);
        Assert.Single(h.LogsOf("SocketClosed"));
    }

    [Fact]
    public void ConnectTo_AnotherProvider_GivesAPairThatCarriesData()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);

        var (client, server) = a.ConnectTo(b);

        Assert.Equal(3, a.Runtime.Send(client, "abc"u8.ToArray()).Value);
        Assert.Equal(3, TestThreads.RunBounded(() => b.Runtime.Receive(server, new byte[8]), "a receive of data already sent").Value);
        Assert.True(a.Runtime.Sockets.Contains(client));
        Assert.True(b.Runtime.Sockets.Contains(server));
        Assert.False(a.Runtime.Sockets.Contains(server));
    }
}
