using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Tests.Conformance;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Processes;

/// <summary>The simulated window: its owner, its validity and its first-in first-out message queue.</summary>
public sealed class SimulatedWindowTests
{
    [Fact]
    public void NewWindow_IsOwnedByTheCreatingThread_AndValid()
    {
        using var process = new SimulatedProcess();

        var window = new SimulatedWindow(process);

        Assert.Same(WsaThreadId.Current, window.Owner);
        Assert.Same(process, window.Process);
        Assert.NotEqual(0, window.Handle);
        Assert.NotEqual(window.Handle, new SimulatedWindow(process).Handle);
        Assert.True(window.IsValid);
        Assert.Equal(0, window.MessageCount);
    }

    [Fact]
    public void Messages_AreReadInPostingOrder_AndMessagesDoesNotTakeThem()
    {
        using var process = new SimulatedProcess();
        var window = new SimulatedWindow(process);

        Assert.True(window.PostMessage(1, 10, 100));
        Assert.True(window.PostMessage(2, 20, 200));

        Assert.Equal([new WindowMessage(1, 10, 100), new WindowMessage(2, 20, 200)], window.Messages);
        Assert.True(window.PeekMessage(out var first));
        Assert.Equal(new WindowMessage(1, 10, 100), first);
        Assert.True(window.GetMessage(out var second, TimeSpan.Zero));
        Assert.Equal(new WindowMessage(2, 20, 200), second);
        Assert.False(window.PeekMessage(out _));
        Assert.Equal(2, window.PostedCount);
    }

    [Fact]
    public void WindowOfAnEndedThread_RefusesMessages()
    {
        using var process = new SimulatedProcess();

        var window = AsyncSelectConformanceTests.WindowOfEndedThread(process);

        Assert.False(window.IsValid);
        Assert.False(window.PostMessage(1, 0, 0));
        Assert.Equal(0, window.MessageCount);
    }

    [Fact]
    public void DestroyedWindow_RefusesMessages_ButKeepsThoseQueued()
    {
        using var process = new SimulatedProcess();
        var window = new SimulatedWindow(process);
        window.PostMessage(1, 0, 0);

        window.Destroy();

        Assert.False(window.IsValid);
        Assert.False(window.PostMessage(2, 0, 0));
        Assert.Equal([new WindowMessage(1, 0, 0)], window.Messages);
    }

    [Fact]
    public void GetMessage_WaitsForAPost_OnAnotherThread()
    {
        using var process = new SimulatedProcess();
        var window = new SimulatedWindow(process);
        var reader = Start(() => window.GetMessage(out var m, Timeout.InfiniteTimeSpan) ? m : default);

        window.PostMessage(7, 1, 2);

        Assert.Equal(new WindowMessage(7, 1, 2), Join(reader));
    }

    [Fact]
    public void GetMessage_TimesOutOnTheProcessClock()
    {
        var time = new FakeTimeProvider();
        using var process = new SimulatedProcess(timeProvider: time);
        var window = new SimulatedWindow(process);
        var reader = Start(() => window.GetMessage(out _, TimeSpan.FromSeconds(5)));
        Assert.False(window.GetMessage(out _, TimeSpan.Zero));

        // The reader starts its timeout when it gets there: each step of 5 s ends a wait that has begun.
        SpinUntil(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(5));
                return reader.IsCompleted;
            },
            "the reader times out on the fake clock");

        Assert.False(Join(reader));
        Assert.Equal(0, window.MessageCount);
    }

    [Fact]
    public void ProcessTermination_EndsAWaitingGetMessage_AndInvalidatesTheWindow()
    {
        var process = new SimulatedProcess();
        var window = new SimulatedWindow(process);
        var reader = Start(() => window.GetMessage(out _, Timeout.InfiniteTimeSpan));

        process.Terminate();

        Assert.False(Join(reader));
        Assert.False(window.IsValid);
        Assert.Throws<ObjectDisposedException>(() => new SimulatedWindow(process));
    }

    [Fact]
    public void SelectAndAsyncReplies_PackEventOrLengthLowAndErrorHigh()
    {
        nint reply = Winsock.MakeSelectReply((int)WinsockSpi.Operations.NetworkEvents.Close, (int)WsaError.ConnectionReset);

        Assert.Equal(0x20 | (10054 << 16), (long)reply);
        Assert.Equal(0x20, Winsock.GetSelectEvent(reply));
        Assert.Equal(10054, Winsock.GetSelectError(reply));
        nint async = Winsock.MakeAsyncReply(1024, 11001);
        Assert.Equal(1024, Winsock.GetAsyncBufferLength(async));
        Assert.Equal(11001, Winsock.GetAsyncError(async));
    }
}
