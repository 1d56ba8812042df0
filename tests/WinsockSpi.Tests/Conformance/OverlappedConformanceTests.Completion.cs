using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

public sealed partial class OverlappedConformanceTests
{
    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_CompletionRoutine_RunsOnInitiatingThreadOnlyWhenItWaitsAlertably()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        int threadA = Environment.CurrentManagedThreadId;
        var calls = new List<(WsaError Error, int Bytes, WsaOverlapped Ov, SocketFlags Flags, int Thread)>();
        var ov = new WsaOverlapped();
        var buffer = new byte[16];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov, (e, n, o, f) => calls.Add((e, n, o, f, Environment.CurrentManagedThreadId))).Error);
        Join(Start(() => peer.Write("hello"u8)));
        Assert.Empty(calls);

        int ran = h.Runtime.Process.AlertableWait(WaitLimit);

        Assert.Equal(1, ran);
        var call = Assert.Single(calls);
        Assert.Equal((WsaError.Success, 5, ov, SocketFlags.None, threadA), call);
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_WorkerInitiates_RoutineRunsOnWorkerWhileItWaitsAlertably()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var started = new ManualResetEventSlim();
        int routineThread = 0;
        var worker = Start(() =>
        {
            var ov = new WsaOverlapped();
            var r = h.Runtime.Receive(s, new byte[16], ov, (_, _, _, _) => routineThread = Environment.CurrentManagedThreadId);
            started.Set();
            int ran = h.Runtime.Process.AlertableWait(WaitLimit);
            return (r.Error, ran, Environment.CurrentManagedThreadId);
        });
        Assert.True(started.Wait(WaitLimit, TestContext.Current.CancellationToken));

        peer.Write("x"u8);
        var (error, ran, workerThread) = Join(worker);

        Assert.Equal(WsaError.IOPending, error);
        Assert.Equal(1, ran);
        Assert.Equal(workerThread, Volatile.Read(ref routineThread));
        Assert.NotEqual(Environment.CurrentManagedThreadId, workerThread);
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_WithCompletionRoutine_EventIsIgnored()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov, (_, _, _, _) => { }).Error);
        Assert.Equal(NotificationKind.CompletionRoutine, Assert.Single(h.Runtime.Operations.Snapshot()).Notification);

        Join(Start(() => peer.Write("hello"u8)));
        Assert.Equal(1, h.Runtime.Process.AlertableWait(WaitLimit));

        Assert.True(ov.IsCompleted);
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_WithoutRoutine_EventIsSetWhenPeerWritesFromAnotherThread()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);

        var writer = Start(() => peer.Write("hello"u8));

        Assert.True(ev.Wait(WaitLimit));
        Join(writer);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.Equal(0, h.Runtime.Process.GetQueuedApcCount(WsaThreadId.Current));
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_AssociatedWithPort_PostsPacketWithKeyBytesOverlappedAndStatus()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 0xC0FFEE).IsSuccess);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);
        Assert.Equal(NotificationKind.CompletionPort, Assert.Single(h.Runtime.Operations.Snapshot()).Notification);

        var writer = Start(() => peer.Write("hello!"u8));

        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Join(writer);
        Assert.Equal((nuint)0xC0FFEE, packet.CompletionKey);
        Assert.Equal(6, packet.BytesTransferred);
        Assert.Same(ov, packet.Overlapped);
        Assert.Equal(WsaError.Success, packet.Status);
        Assert.True(ev.IsSet);
        Assert.Equal(1, port.PostedCount);
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_AssociatedWithPort_WithCompletionRoutine_PostsNoPacket()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 1).ThrowIfFailed();
        int runs = 0;
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], new WsaOverlapped(), (_, _, _, _) => runs++).Error);

        peer.Write("hi"u8);

        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, runs);
        Assert.Equal(0, port.PostedCount);
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_NoEventRoutineOrPort_OnlyTheStatusChanges()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);
        Assert.Equal(NotificationKind.None, Assert.Single(h.Runtime.Operations.Snapshot()).Notification);

        peer.Write("abc"u8);

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_Snapshot_NamesTheInitiatingThread()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var worker = Start(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], new WsaOverlapped(), (_, _, _, _) => { }).Error);
            return Environment.CurrentManagedThreadId;
        });
        int workerThread = Join(worker);

        var info = Assert.Single(h.Runtime.Operations.Snapshot());

        Assert.Equal(workerThread, info.InitiatingThreadId);
        Assert.Equal(NotificationKind.CompletionRoutine, info.Notification);
    }

    // ---------------------------------------------------------------- OVL-5

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_PendingReceives_CompleteInPostingOrder()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 9).ThrowIfFailed();
        var buffers = new[] { new byte[2], new byte[2], new byte[2] };
        var ops = new[] { new WsaOverlapped(new WsaEvent()), new WsaOverlapped(new WsaEvent()), new WsaOverlapped(new WsaEvent()) };
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffers[i], ops[i]).Error);
        }

        peer.Write("abcdef"u8);

        Assert.Equal(new[] { "ab", "cd", "ef" }, buffers.Select(b => Encoding.ASCII.GetString(b)).ToArray());
        for (int i = 0; i < 3; i++)
        {
            Assert.True(port.TryDequeue(out var packet));
            Assert.Same(ops[i], packet.Overlapped);
            Assert.Equal(2, packet.BytesTransferred);
            Assert.Equal(1, ops[i].Event!.SetCount);
        }
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_PendingReceives_ConsumeSuccessiveWritesInOrder()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var b1 = new byte[4];
        var b2 = new byte[4];
        var ov1 = new WsaOverlapped();
        var ov2 = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, b1, ov1).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, b2, ov2).Error);

        peer.Write("ab"u8);

        Assert.Equal(OperationStatus.Completed, ov1.Status);
        Assert.Equal(OperationStatus.Pending, ov2.Status);
        Assert.Equal(2, ov1.BytesTransferred);

        peer.Write("cd"u8);

        Assert.Equal(2, ov2.BytesTransferred);
        Assert.Equal("ab"u8.ToArray(), b1[..2]);
        Assert.Equal("cd"u8.ToArray(), b2[..2]);
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_NewReceive_QueuesBehindPendingOnesEvenWhenDataArrives()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var order = new List<int>();
        var b1 = new byte[3];
        var b2 = new byte[3];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, b1, new WsaOverlapped(), (_, _, _, _) => order.Add(1)).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, b2, new WsaOverlapped(), (_, _, _, _) => order.Add(2)).Error);

        peer.Write("123456"u8);

        Assert.Equal(2, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(new[] { 1, 2 }, order.ToArray());
        Assert.Equal("123"u8.ToArray(), b1);
        Assert.Equal("456"u8.ToArray(), b2);
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_CompletedOperations_AreNotNotifiedAgainByLaterClose()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 3).ThrowIfFailed();
        var ops = Enumerable.Range(0, 3).Select(_ => new WsaOverlapped(new WsaEvent())).ToArray();
        foreach (var ov in ops)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);
        }

        long before = h.Runtime.Operations.CompletedCount;
        peer.Write("xyz"u8);
        h.Runtime.CloseSocket(s).ThrowIfFailed();

        Assert.Equal(3, h.Runtime.Operations.CompletedCount - before);
        Assert.Equal(3, port.PostedCount);
        Assert.All(ops, ov =>
        {
            Assert.Equal(OperationStatus.Completed, ov.Status);
            Assert.Equal(1, ov.BytesTransferred);
            Assert.Equal(1, ov.Event!.SetCount);
        });
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_CompletionRacingClose_EachOperationEndsAndIsNotifiedExactlyOnce()
    {
        using var h = new ProviderHarness();
        for (int i = 0; i < 100; i++)
        {
            var (s, peer) = h.Connect();
            var port = new CompletionPort();
            port.Associate(h.Runtime, s, (nuint)i).ThrowIfFailed();
            var ev = new WsaEvent();
            var ov = new WsaOverlapped(ev);
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
            long before = h.Runtime.Operations.CompletedCount;
            using var barrier = new Barrier(2);

            var writer = Start(() =>
            {
                TestThreads.Meet(barrier);
                peer.Write("data"u8);
            });
            var closer = Start(() =>
            {
                TestThreads.Meet(barrier);
                return h.Runtime.CloseSocket(s);
            });
            Join(writer);
            Assert.True(Join(closer).IsSuccess);

            Assert.True(ov.Status is OperationStatus.Completed or OperationStatus.Aborted, $"iteration {i}: {ov}");
            Assert.Equal(ov.Status == OperationStatus.Completed ? WsaError.Success : WsaError.OperationAborted, ov.Error);
            Assert.Equal(ov.Status == OperationStatus.Completed ? 4 : 0, ov.BytesTransferred);
            Assert.Equal(1, ev.SetCount);
            Assert.Equal(1, port.PostedCount);
            Assert.True(port.TryDequeue(out var packet));
            Assert.Equal(ov.Error, packet.Status);
            Assert.Equal(1, h.Runtime.Operations.CompletedCount - before);
            Assert.Equal(0, h.Runtime.Operations.PendingCount);
        }
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_CompletionRacingPeerReset_RoutineRunsExactlyOnce()
    {
        using var h = new ProviderHarness();
        for (int i = 0; i < 100; i++)
        {
            var (s, peer) = h.Connect();
            var outcomes = new List<(WsaError Error, int Bytes)>();
            var ov = new WsaOverlapped();
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov, (e, n, _, _) => outcomes.Add((e, n))).Error);
            using var barrier = new Barrier(2);

            var writer = Start(() =>
            {
                TestThreads.Meet(barrier);
                peer.Write("data"u8);
            });
            var resetter = Start(() =>
            {
                TestThreads.Meet(barrier);
                peer.Reset();
            });
            Join(writer);
            Join(resetter);

            Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
            Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
            var outcome = Assert.Single(outcomes);
            Assert.True(outcome == (WsaError.Success, 4) || outcome == (WsaError.ConnectionReset, 0), $"iteration {i}: {outcome}");
            h.Runtime.CloseSocket(s).ThrowIfFailed();
        }
    }

    // ---------------------------------------------------------------- OVL-6

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_PendingWithoutWait_ReturnsIOIncomplete()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);

        var r = h.Runtime.GetOverlappedResult(s, ov, wait: false);

        Assert.Equal(WsaError.IOIncomplete, r.Error);
        Assert.Equal(OperationStatus.Pending, ov.Status);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_WaitOnAnotherThread_ReturnsBytesWhenPeerWrites()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        var buffer = new byte[16];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov).Error);

        var waiter = Start(() => h.Runtime.GetOverlappedResult(s, ov, wait: true));
        peer.Write("waited"u8);
        var r = Join(waiter);

        Assert.True(r.IsSuccess);
        Assert.Equal(6, r.Value);
        Assert.Equal("waited"u8.ToArray(), buffer[..6]);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_Success_ReturnsBytesAndFlags()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);
        peer.Write("1234567"u8);

        var noWait = h.Runtime.GetOverlappedResult(s, ov, wait: false);
        var withWait = RunBounded(() => h.Runtime.GetOverlappedResult(s, ov, wait: true), "GetOverlappedResult(wait: true) of a completed receive");

        Assert.Equal(7, noWait.Value);
        Assert.Equal(7, withWait.Value);
        Assert.Equal(SocketFlags.None, ov.Flags);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_AbortedByClose_ReturnsFalseWithOperationAbortedAndNoByteCount()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var other = h.NewSocket();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);
        h.Runtime.CloseSocket(s).ThrowIfFailed();

        // The closed handle itself is gone (CLS-1); the outcome is read through a live handle of the provider.
        var viaClosed = h.Runtime.GetOverlappedResult(s, ov, wait: false);
        var r = RunBounded(() => h.Runtime.GetOverlappedResult(other, ov, wait: true), "GetOverlappedResult(wait: true) of an aborted receive");

        Assert.Equal(WsaError.NotSocket, viaClosed.Error);
        Assert.False(r.IsSuccess);
        Assert.Equal(WsaError.OperationAborted, r.Error);
        Assert.Equal(995, (int)r.Error);
        Assert.Equal(-1, r.GetValueOrDefault(-1));
        Assert.Throws<InvalidOperationException>(() => r.Value);
        Assert.Equal(OperationStatus.Aborted, ov.Status);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_FailedByReset_ReturnsFalseWithItsErrorAndNoByteCount()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        peer.Write("first"u8);
        Assert.Equal(5, h.Runtime.Receive(s, new byte[16], ov).Value);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);

        var waiter = Start(() => h.Runtime.GetOverlappedResult(s, ov, wait: true));
        peer.Reset();
        var r = Join(waiter);

        Assert.Equal(WsaError.ConnectionReset, r.Error);
        Assert.Equal(-7, r.GetValueOrDefault(-7));
        Assert.Equal(WsaError.ConnectionReset, h.Runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(OperationStatus.Failed, ov.Status);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_UnknownHandle_ReturnsNotSocket()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        peer.Write("x"u8);
        Assert.Equal(1, h.Runtime.Receive(s, new byte[4], ov).Value);

        Assert.Equal(WsaError.NotSocket, h.Runtime.GetOverlappedResult(new SocketHandle(0x4242), ov, wait: false).Error);
        Assert.Equal(WsaError.NotSocket, RunBounded(() => h.Runtime.GetOverlappedResult(SocketHandle.Invalid, ov, wait: true), "GetOverlappedResult(wait: true) with an invalid handle").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_MissingOverlapped_ReturnsInvalidParameter()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        var r = RunBounded(() => h.Runtime.GetOverlappedResult(s, null, wait: true), "GetOverlappedResult(wait: true) without an overlapped object");

        Assert.Equal(WsaError.InvalidParameter, r.Error);
        Assert.Equal(87, (int)r.Error);
    }
}
