using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Processes;

/// <summary>Unit tests of <see cref="SimulatedProcess"/>: per-thread APC queues and alertable waits.</summary>
public sealed class SimulatedProcessTests
{
    [Fact]
    public void New_HasAnIdUniqueOnItsNetwork_AndItsOwnNetworkByDefault()
    {
        using var a = new SimulatedProcess();
        using var b = new SimulatedProcess();
        var shared = new SimulatedNetwork();
        using var c = new SimulatedProcess(shared);
        using var d = new SimulatedProcess(shared);

        // Ids are numbered per network, so they depend only on the network's own history (deterministic traces).
        Assert.Equal([1, 1, 1, 2], new[] { a.Id, b.Id, c.Id, d.Id });
        Assert.NotSame(a.Network, b.Network);
        Assert.Same(shared, c.Network);
        Assert.False(a.IsTerminated);
        Assert.Contains(a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void QueuedCall_RunsOnlyInAnAlertableWaitOfItsThread()
    {
        using var process = new SimulatedProcess();
        var me = WsaThreadId.Current;
        var ran = new List<(object? Context, int Thread)>();

        Assert.Equal(WsaError.Success, process.QueueApc(me, c => ran.Add((c, Environment.CurrentManagedThreadId)), "ctx"));

        Assert.Empty(ran);
        Assert.Equal(1, process.GetQueuedApcCount(me));
        Assert.Equal(1, process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(("ctx", me.ManagedThreadId), Assert.Single(ran));
        Assert.Equal(0, process.GetQueuedApcCount(me));
    }

    [Fact]
    public void QueuedCallForAnotherThread_DoesNotRunHere()
    {
        using var process = new SimulatedProcess();
        using var queued = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int ran = 0;
        WsaThreadId? otherThread = null;

        // A thread of its own, not a task: a task completes before its thread has ended, and the count below needs it ended.
        var other = new Thread(() =>
        {
            otherThread = WsaThreadId.Current;
            process.QueueApc(otherThread, _ => ran++, null);
            queued.Set();
            release.Wait(WaitLimit);
        });
        other.Start();
        Assert.True(queued.Wait(WaitLimit, TestContext.Current.CancellationToken));

        Assert.Equal(0, process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, ran);
        Assert.Equal(1, process.GetQueuedApcCount(otherThread!));
        release.Set();
        Assert.True(other.Join(WaitLimit), "the other thread did not end");
        Assert.Equal(0, ran);
        Assert.Equal(0, process.GetQueuedApcCount(otherThread!)); // it ended: its call will never run (OVL-10)
    }

    [Fact]
    public void AlertableWait_RunsEveryQueuedCallInOrder()
    {
        using var process = new SimulatedProcess();
        var me = WsaThreadId.Current;
        var order = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            int n = i;
            process.QueueApc(me, _ => order.Add(n), null);
        }

        Assert.Equal(3, process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(new[] { 0, 1, 2 }, order.ToArray());
    }

    [Fact]
    public void AlertableWait_RunsCallsQueuedByTheRoutinesThemselves()
    {
        using var process = new SimulatedProcess();
        var me = WsaThreadId.Current;
        var order = new List<string>();
        process.QueueApc(me, _ =>
        {
            order.Add("first");
            process.QueueApc(me, _ => order.Add("queued by first"), null);
        }, null);

        Assert.Equal(2, process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(new[] { "first", "queued by first" }, order.ToArray());
    }

    [Fact]
    public void AlertableWait_WithNothingQueued_TimesOutWithZero()
    {
        using var process = new SimulatedProcess();

        Assert.Equal(0, process.AlertableWait(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => process.AlertableWait(TimeSpan.FromMilliseconds(-5)));
    }

    [Fact]
    public void AlertableWait_IsReleasedByACallQueuedFromAnotherThread()
    {
        using var process = new SimulatedProcess();
        var me = WsaThreadId.Current;
        int ranOn = 0;

        var queuer = Start(() => process.QueueApc(me, _ => ranOn = Environment.CurrentManagedThreadId, null));
        int ran = process.AlertableWait(WaitLimit);
        Assert.Equal(WsaError.Success, Join(queuer));

        // The queuer may have run before the wait began; either way the call ran here, once.
        Assert.Equal(1, ran + process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(me.ManagedThreadId, ranOn);
    }

    [Fact]
    public void AlertableWaitOnAWorker_RunsOnlyThatWorkersCalls()
    {
        using var process = new SimulatedProcess();
        using var ready = new ManualResetEventSlim();
        WsaThreadId? workerThread = null;
        var ranOn = new System.Collections.Concurrent.ConcurrentBag<int>();
        var worker = Start(() =>
        {
            workerThread = WsaThreadId.Current;
            ready.Set();
            return process.AlertableWait(WaitLimit);
        });
        Assert.True(ready.Wait(WaitLimit, TestContext.Current.CancellationToken));

        process.QueueApc(WsaThreadId.Current, _ => ranOn.Add(Environment.CurrentManagedThreadId), null);
        process.QueueApc(workerThread!, _ => ranOn.Add(Environment.CurrentManagedThreadId), null);

        Assert.Equal(1, Join(worker));
        Assert.Equal(workerThread!.ManagedThreadId, Assert.Single(ranOn));
        Assert.Equal(1, process.AlertableWait(TimeSpan.Zero));
    }

    [Fact]
    public void Terminate_DiscardsQueuedCallsAndRefusesNewOnes()
    {
        var process = new SimulatedProcess();
        var me = WsaThreadId.Current;
        int ran = 0;
        process.QueueApc(me, _ => ran++, null);

        process.Terminate();
        process.Terminate();

        Assert.True(process.IsTerminated);
        Assert.Equal(WsaError.InvalidHandle, process.QueueApc(me, _ => ran++, null));
        Assert.Equal(0, process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, process.GetQueuedApcCount(me));
        Assert.Equal(0, ran);
        Assert.Contains("terminated", process.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "OVL-10")]
    public void Terminate_WhileItsMembersAreReleased_AThreadWaitingAlertablyRunsNoQueuedCall()
    {
        // The teardown releases the process's members before it abandons the APC queues. A thread that waited alertably
        // in between ran the calls queued to it, after the process counted as terminated (an overlapped object whose
        // routine was queued was already free for another operation).
        var process = new SimulatedProcess();
        using var queued = new ManualResetEventSlim();
        using var wait = new ManualResetEventSlim();
        int ran = 0;
        var worker = Start(() =>
        {
            process.QueueApc(WsaThreadId.Current, _ => Interlocked.Increment(ref ran), null);
            queued.Set();
            Assert.True(wait.Wait(WaitLimit, TestContext.Current.CancellationToken));
            return process.AlertableWait(TimeSpan.Zero);
        });
        Assert.True(queued.Wait(WaitLimit, TestContext.Current.CancellationToken));
        int? ranInTheTeardown = null;
        process.Register(new TeardownProbe(() =>
        {
            Assert.True(process.IsTerminated);
            wait.Set();
            ranInTheTeardown = Join(worker); // the worker waits alertably while the members are released
        }));

        process.Terminate();

        Assert.Equal(0, ranInTheTeardown);
        Assert.Equal(0, Volatile.Read(ref ran));
    }

    [Fact]
    public void Terminate_ReleasesAThreadWaitingAlertably()
    {
        var process = new SimulatedProcess();
        using var ready = new ManualResetEventSlim();
        var waiter = Start(() =>
        {
            // Make sure the worker's queue exists before it waits, so the terminate must wake it.
            process.QueueApc(WsaThreadId.Current, _ => { }, null);
            process.AlertableWait(TimeSpan.Zero);
            ready.Set();
            return process.AlertableWait(Timeout.InfiniteTimeSpan);
        });
        Assert.True(ready.Wait(WaitLimit, TestContext.Current.CancellationToken));

        process.Terminate();

        Assert.Equal(0, Join(waiter));
    }

    [Fact]
    public void QueueApc_NullRoutine_Throws()
    {
        using var process = new SimulatedProcess();

        Assert.Throws<ArgumentNullException>(() => process.QueueApc(WsaThreadId.Current, null!, null));
        Assert.Throws<ArgumentNullException>(() => process.QueueApc(null!, _ => { }, null));
    }

    [Fact]
    public void Dispose_Terminates()
    {
        var process = new SimulatedProcess();

        process.Dispose();

        Assert.True(process.IsTerminated);
    }
}
