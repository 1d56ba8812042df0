using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 6: overlapped I/O and completion (OVL-1..9).</summary>
public sealed class OverlappedConformanceTests
{
    public enum ImmediateFailure
    {
        NotConnected,
        OverlappedInUse,
        ShutDown,
        ResetByPeer,
        Datagram,
        ClosedHandle,
    }

    public static TheoryData<ImmediateFailure, bool, bool> ImmediateFailures()
    {
        var data = new TheoryData<ImmediateFailure, bool, bool>();
        foreach (var failure in Enum.GetValues<ImmediateFailure>())
        {
            foreach (bool send in new[] { false, true })
            {
                foreach (bool withRoutine in new[] { false, true })
                {
                    data.Add(failure, send, withRoutine);
                }
            }
        }

        return data;
    }

    // ---------------------------------------------------------------- OVL-1

    [Fact]
    [Trait("Rule", "OVL-1")]
    public void OVL1_ReceiveWithDataWaiting_ReturnsByteCountAtOnceAndSetsEvent()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("hello"u8);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[16];

        var r = h.Runtime.Receive(s, buffer, ov);

        Assert.True(r.IsSuccess);
        Assert.Equal(5, r.Value);
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.True(ev.IsSet);
        Assert.Equal(1, ev.SetCount);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "OVL-1")]
    public void OVL1_ReceiveWithDataWaiting_StillQueuesCompletionRoutineToInitiatingThread()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("hello"u8);
        var calls = new List<(WsaError Error, int Bytes, WsaOverlapped Ov, SocketFlags Flags, int Thread)>();
        var ov = new WsaOverlapped(new WsaEvent());
        int me = Environment.CurrentManagedThreadId;

        var r = h.Runtime.Receive(s, new byte[16], ov, (e, n, o, f) => calls.Add((e, n, o, f, Environment.CurrentManagedThreadId)));

        Assert.Equal(5, r.Value);
        Assert.Empty(calls);
        Assert.Equal(1, h.Runtime.Process.GetQueuedApcCount(me));
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        var call = Assert.Single(calls);
        Assert.Equal((WsaError.Success, 5, ov, SocketFlags.None, me), call);
        Assert.False(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "OVL-1")]
    public void OVL1_ReceiveWithDataWaiting_PostsPortPacketWithThatByteCount()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 42).IsSuccess);
        peer.Write("hello"u8);
        var ov = new WsaOverlapped(new WsaEvent());

        var r = h.Runtime.Receive(s, new byte[16], ov);

        Assert.Equal(5, r.Value);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(new CompletionPacket(42, 5, ov, WsaError.Success), packet);
        Assert.Equal(1, port.PostedCount);
        Assert.True(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "OVL-1")]
    public void OVL1_SendWithRoom_ReturnsByteCountAtOnceAndPostsPortPacket()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 7).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        var r = h.Runtime.Send(s, "abcdefgh"u8.ToArray(), ov);

        Assert.Equal(8, r.Value);
        Assert.Equal(8, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(new CompletionPacket(7, 8, ov, WsaError.Success), packet);
        Assert.Equal("abcdefgh"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "OVL-1")]
    public void OVL1_SendWithRoom_StillQueuesCompletionRoutine()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        int bytes = -1;
        var ov = new WsaOverlapped();

        var r = h.Runtime.Send(s, new byte[3], ov, (_, n, _, _) => bytes = n);

        Assert.Equal(3, r.Value);
        Assert.Equal(-1, bytes);
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(3, bytes);
    }

    [Fact]
    [Trait("Rule", "OVL-1")]
    [Trait("Rule", "OVL-8")]
    public void OVL1_ReceiveAtEndOfStream_CompletesAtOnceWithZeroAndSetsEvent()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Close();
        var ev = new WsaEvent();

        var r = h.Runtime.Receive(s, new byte[16], new WsaOverlapped(ev));

        Assert.True(r.IsSuccess);
        Assert.Equal(0, r.Value);
        Assert.Equal(1, ev.SetCount);
    }

    // ---------------------------------------------------------------- OVL-2

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_ReceiveWithoutData_ReturnsIOPendingAndReadsInProgressUntilPeerWrites()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[16];

        var r = h.Runtime.Receive(s, buffer, ov);

        Assert.False(r.IsSuccess);
        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.Equal(WsaError.IOPending, ov.Error);
        Assert.True(ov.IsPending);
        Assert.False(ov.IsCompleted);
        Assert.False(ev.IsSet);
        Assert.Equal(1, h.Runtime.Operations.PendingCount);
        var info = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal((s, OperationKind.Receive, 16, NotificationKind.Event), (info.Socket, info.Kind, info.BytesRequested, info.Notification));
        Assert.Same(ov, info.Overlapped);

        peer.Write("abc"u8);

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        Assert.True(ev.IsSet);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_NonBlockingSocket_OverlappedReceiveStillPends()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a blocking receive that should give WouldBlock at once").Error);
        var ov = new WsaOverlapped(new WsaEvent());

        var r = h.Runtime.Receive(s, new byte[4], ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(WsaError.IOPending, ov.Error);
        peer.Write("x"u8);
        Assert.Equal(1, ov.BytesTransferred);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    [Trait("Rule", "OVL-9")]
    public void OVL2_NonBlockingSocket_OverlappedSendWithoutRoomPends()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());

        var r = h.Runtime.Send(s, new byte[10], ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(WsaError.IOPending, ov.Error);
        Assert.Equal(4, peer.Available);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_PendingReuse_LeavesPreviousByteCountAndFlagsUnchangedUntilItCompletes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        peer.Write("hello"u8);
        Assert.Equal(5, h.Runtime.Receive(s, new byte[16], ov).Value);

        var r = h.Runtime.Receive(s, new byte[16], ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal(SocketFlags.None, ov.Flags);
        Assert.Equal(WsaError.IOPending, ov.Error);
        peer.Write("abc"u8);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal(WsaError.Success, ov.Error);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_PendingSend_ReportsBytesAlreadyHandedToTheConnection()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[10], ov).Error);

        var info = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal((OperationKind.Send, 10, 4), (info.Kind, info.BytesRequested, info.BytesDone));
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(4, peer.Available);
    }

    // ---------------------------------------------------------------- OVL-3

    [Theory]
    [MemberData(nameof(ImmediateFailures))]
    [Trait("Rule", "OVL-3")]
    public void OVL3_ImmediateFailure_NeverNotifies(ImmediateFailure failure, bool send, bool withRoutine)
    {
        using var h = new ProviderHarness();
        int me = Environment.CurrentManagedThreadId;
        int routineCalls = 0;
        CompletionRoutine? routine = withRoutine ? (_, _, _, _) => routineCalls++ : null;
        var port = new CompletionPort();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        RemotePeer? peer = null;
        SocketHandle s;
        WsaError expected;
        switch (failure)
        {
            case ImmediateFailure.NotConnected:
                s = h.NewSocket();
                expected = WsaError.NotConnected;
                break;
            case ImmediateFailure.OverlappedInUse:
                (s, peer) = h.Connect();
                port.Associate(h.Runtime, s, 1).ThrowIfFailed();
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov, routine).Error);
                expected = WsaError.InvalidArgument;
                break;
            case ImmediateFailure.ShutDown:
                (s, peer) = h.Connect();
                h.Runtime.Shutdown(s, SocketShutdown.Both).ThrowIfFailed();
                expected = WsaError.Shutdown;
                break;
            case ImmediateFailure.ResetByPeer:
                (s, peer) = h.Connect();
                peer.Reset();
                expected = WsaError.ConnectionReset;
                break;
            case ImmediateFailure.Datagram:
                // A datagram socket neither connected nor bound: a send has no destination, a receive no address.
                s = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
                expected = send ? WsaError.NotConnected : WsaError.InvalidArgument;
                break;
            default:
                s = h.NewSocket();
                h.Runtime.CloseSocket(s).ThrowIfFailed();
                expected = WsaError.NotSocket;
                break;
        }

        if (failure is not (ImmediateFailure.ClosedHandle or ImmediateFailure.OverlappedInUse))
        {
            port.Associate(h.Runtime, s, 1).ThrowIfFailed();
        }

        var r = send
            ? h.Runtime.Send(s, new byte[4], ov, routine)
            : h.Runtime.Receive(s, new byte[4], ov, routine);

        Assert.Equal(expected, r.Error);
        Assert.Equal(0, ev.SetCount);
        Assert.Equal(0, port.PostedCount);
        Assert.Equal(0, h.Runtime.Process.GetQueuedApcCount(me));
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, routineCalls);
        if (failure == ImmediateFailure.OverlappedInUse)
        {
            // The rejected call touched nothing: the first operation is still pending and is notified once, for itself.
            Assert.Equal(OperationStatus.Pending, ov.Status);
            Assert.Equal(1, h.Runtime.Operations.PendingCount);
            peer!.Write("ab"u8);
            Assert.Equal(2, ov.BytesTransferred);
            if (withRoutine)
            {
                Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
                Assert.Equal(1, routineCalls);
                Assert.Equal(0, port.PostedCount);
            }
            else
            {
                Assert.Equal(1, ev.SetCount);
                Assert.Equal(1, port.PostedCount);
            }
        }
        else
        {
            Assert.Equal(OperationStatus.Idle, ov.Status);
            Assert.Equal(0, h.Runtime.Operations.PendingCount);
        }
    }

    [Fact]
    [Trait("Rule", "OVL-3")]
    public void OVL3_ImmediateFailureBeforeStartup_StartsNothing()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        h.Runtime.Cleanup().ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        var r = h.Runtime.Receive(s, new byte[4], ov, (_, _, _, _) => Assert.Fail("The routine of a failed call ran."));

        Assert.Equal(WsaError.NotInitialized, r.Error);
        Assert.Equal(OperationStatus.Idle, ov.Status);
        Assert.Equal(0, ev.SetCount);
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
    }

    // ---------------------------------------------------------------- OVL-4

    [Fact]
    [Trait("Rule", "OVL-4")]
    public void OVL4_CompletionRoutine_DoesNotRunOnThePeerThreadThatCompletedIt()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        int threadA = Environment.CurrentManagedThreadId;
        int ranOn = 0;
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov, (_, _, _, _) => ranOn = Environment.CurrentManagedThreadId).Error);

        var threadB = Start(() =>
        {
            peer.Write("hello"u8);
            int ranHere = h.Runtime.Process.AlertableWait(TimeSpan.Zero);
            return (Environment.CurrentManagedThreadId, ranHere);
        });
        var (idB, ranOnB) = Join(threadB);

        Assert.NotEqual(threadA, idB);
        Assert.Equal(0, ranOnB);
        Assert.Equal(0, Volatile.Read(ref ranOn));
        Assert.True(ov.IsCompleted);
        Assert.Equal(1, h.Runtime.Process.GetQueuedApcCount(threadA));
        Assert.Equal(0, h.Runtime.Process.GetQueuedApcCount(idB));
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    [Trait("Rule", "OVL-6")]
    public void OVL4_CompletionRoutine_DoesNotRunInNonAlertableWaitOfInitiatingThread()
    {
        using var h = new ProviderHarness();
        var (s1, peer1) = h.Connect();
        var (s2, peer2) = h.Connect();
        int threadA = Environment.CurrentManagedThreadId;
        int runs = 0;
        var ov1 = new WsaOverlapped();
        var ov2 = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s1, new byte[16], ov1, (_, _, _, _) => Interlocked.Increment(ref runs)).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s2, new byte[16], ov2).Error);

        // Thread B completes the routine's receive first, then the one thread A waits for without alerting.
        var threadB = Start(() =>
        {
            peer1.Write("one"u8);
            peer2.Write("two"u8);
        });
        var waited = h.Runtime.GetOverlappedResult(s2, ov2, wait: true);
        Join(threadB);

        Assert.Equal(3, waited.Value);
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.True(ov2.Event!.Wait(TimeSpan.Zero));
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.Equal(3, h.Runtime.GetOverlappedResult(s1, ov1, wait: true).Value);
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.Equal(1, h.Runtime.Process.GetQueuedApcCount(threadA));

        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, Volatile.Read(ref runs));
    }

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

    [Fact]
    public void GetOverlappedResult_OfAnOverlappedNeverUsed_ReturnsInvalidArgument()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        Assert.Equal(WsaError.InvalidArgument, RunBounded(() => h.Runtime.GetOverlappedResult(s, new WsaOverlapped(), wait: true), "GetOverlappedResult(wait: true) of an overlapped never used").Error);
    }

    // ---------------------------------------------------------------- OVL-7

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseWhileReceivePending_FailsWithInvalidArgumentAndKeepsTheFirstOperation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        var first = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, first, ov).Error);

        var again = h.Runtime.Receive(s, new byte[8], ov);

        Assert.Equal(WsaError.InvalidArgument, again.Error);
        Assert.Equal(1, h.Runtime.Operations.PendingCount);
        peer.Write("one"u8);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal("one"u8.ToArray(), first[..3]);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseForSendWhileReceivePending_FailsWithInvalidArgumentAndSendsNothing()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        var r = h.Runtime.Send(s, "nope"u8.ToArray(), ov);

        Assert.Equal(WsaError.InvalidArgument, r.Error);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseWhileSendPending_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness(sendBufferSize: 2);
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, "abcd"u8.ToArray(), ov).Error);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Send(s, "ef"u8.ToArray(), ov).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Receive(s, new byte[2], ov).Error);

        var got = new byte[4];
        Assert.Equal(2, peer.Read(got));
        Assert.Equal(2, peer.Read(got.AsSpan(2)));
        Assert.Equal("abcd"u8.ToArray(), got);
        Assert.Equal(4, ov.BytesTransferred);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseAfterCompletion_IsAllowed()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        peer.Write("a"u8);
        ov.Event!.Reset();

        var r = h.Runtime.Receive(s, new byte[8], ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        peer.Write("bc"u8);
        Assert.Equal(2, ov.BytesTransferred);
        Assert.Equal(2, ov.Event.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseFromInsideItsCompletionRoutine_IsAllowed()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        var results = new List<WsaError>();
        CompletionRoutine? routine = null;
        routine = (_, _, o, _) => results.Add(h.Runtime.Receive(s, new byte[8], o, routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov, routine).Error);

        peer.Write("a"u8);
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));

        Assert.Equal(new[] { WsaError.IOPending }, results.ToArray());
        Assert.Equal(OperationStatus.Pending, ov.Status);
    }

    // ---------------------------------------------------------------- OVL-8

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_FailsPendingReceiveWithConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        Join(Start(peer.Reset));

        Assert.Equal(OperationStatus.Failed, ov.Status);
        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.Equal(WsaError.ConnectionReset, RunBounded(() => h.Runtime.Receive(s, new byte[8]), "a blocking receive that should give ConnectionReset at once").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_PortPacketStatusIsNetNameDeleted()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 5).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        peer.Reset();

        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Assert.Equal(new CompletionPacket(5, 0, ov, WsaError.NetNameDeleted), packet);
        Assert.Equal(64, (int)packet.Status);
        Assert.Equal(WsaError.ConnectionReset, ov.Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_CompletionRoutineGetsConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var outcome = (Error: WsaError.Success, Bytes: -1);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], new WsaOverlapped(), (e, n, _, _) => outcome = (e, n)).Error);

        peer.Reset();

        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal((WsaError.ConnectionReset, 0), outcome);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_FailsPendingSendWithConnectionReset()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 1).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[10], ov).Error);

        peer.Reset();

        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(WsaError.NetNameDeleted, packet.Status);
        Assert.Equal(WsaError.ConnectionReset, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give ConnectionReset at once").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerClose_CompletesPendingReceiveWithZeroBytes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 2).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        Join(Start(peer.Close));

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(new CompletionPacket(2, 0, ov, WsaError.Success), packet);
        Assert.Equal(0, h.Runtime.GetOverlappedResult(s, ov, wait: false).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerClose_CompletesEveryPendingReceiveWithZeroBytes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ops = Enumerable.Range(0, 3).Select(_ => new WsaOverlapped(new WsaEvent())).ToArray();
        foreach (var ov in ops)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        }

        peer.Close();

        Assert.All(ops, ov => Assert.Equal((OperationStatus.Completed, 0, 1), (ov.Status, ov.BytesTransferred, ov.Event!.SetCount)));
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerCloseAfterData_ReceivesTheDataThenZero()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov1 = new WsaOverlapped();
        var ov2 = new WsaOverlapped();
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov1).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov2).Error);

        peer.Write("last"u8);
        peer.Close();

        Assert.Equal(4, ov1.BytesTransferred);
        Assert.Equal("last"u8.ToArray(), buffer[..4]);
        Assert.Equal((OperationStatus.Completed, 0), (ov2.Status, ov2.BytesTransferred));
    }

    // ---------------------------------------------------------------- OVL-9

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_SendWithRoom_CompletesAtOnceInEveryMode()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, peer) = h.Connect();

        var blocking = h.Runtime.Send(s, "ab"u8.ToArray());
        var overlapped = h.Runtime.Send(s, "cd"u8.ToArray(), new WsaOverlapped());
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        var nonBlocking = h.Runtime.Send(s, "efgh"u8.ToArray());

        Assert.Equal((2, 2, 4), (blocking.Value, overlapped.Value, nonBlocking.Value));
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal("abcdefgh"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_OverlappedSendWithoutRoom_PendsAndCompletesAsPeerReads()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        var r = h.Runtime.Send(s, "0123456789"u8.ToArray(), ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(4, peer.Available);
        var got = new List<byte>();
        got.AddRange(peer.ReadAvailable());
        Assert.False(ev.IsSet);
        Assert.Equal(WsaError.IOPending, ov.Error);

        // The second read makes room for the last bytes: the send completes once all of it is handed to the connection.
        got.AddRange(peer.ReadAvailable());
        Assert.True(ev.IsSet);
        Assert.Equal(10, ov.BytesTransferred);
        got.AddRange(peer.ReadAvailable());
        Assert.Equal("0123456789"u8.ToArray(), got);
        Assert.Equal(1, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    [Trait("Rule", "BLK-1")]
    public void OVL9_BlockingSendWithoutRoom_BlocksUntilPeerReadsOnAnotherThread()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var data = "0123456789"u8.ToArray();

        var sender = Start(() => h.Runtime.Send(s, data));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the send blocks");
        Assert.False(sender.IsCompleted);
        Assert.Equal(4, peer.Available);
        var got = new List<byte>();
        SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == data.Length;
        }, "the peer read everything");
        var r = Join(sender);

        Assert.Equal(10, r.Value);
        Assert.Equal(data, got);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_NonBlockingSendWithoutRoom_FailsWithWouldBlock()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(4, h.Runtime.Send(s, "abcd"u8.ToArray()).Value);

        var r = h.Runtime.Send(s, "e"u8.ToArray());

        Assert.Equal(WsaError.WouldBlock, r.Error);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal("abcd"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(1, h.Runtime.Send(s, "e"u8.ToArray()).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_NonBlockingSendWithSomeRoom_SendsWhatFits()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();

        var r = h.Runtime.Send(s, "abcdef"u8.ToArray());

        Assert.Equal(4, r.Value);
        Assert.Equal("abcd"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_SendBehindPendingSend_PendsAndDataKeepsItsOrder()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ov1 = new WsaOverlapped(new WsaEvent());
        var ov2 = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, "abcdefghij"u8.ToArray(), ov1).Error);

        var r2 = h.Runtime.Send(s, "XY"u8.ToArray(), ov2);

        Assert.Equal(WsaError.IOPending, r2.Error);
        Assert.Equal(2, h.Runtime.Operations.PendingCount);
        var got = new List<byte>();
        SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == 12;
        }, "the peer read both sends");
        Assert.Equal("abcdefghijXY"u8.ToArray(), got);
        Assert.Equal((10, 2), (ov1.BytesTransferred, ov2.BytesTransferred));
        Assert.Equal((1, 1), (ov1.Event!.SetCount, ov2.Event!.SetCount));
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_ZeroByteReceive_PendsUntilDataArrivesAndTakesNone()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, Memory<byte>.Empty, ov).Error);
        Assert.False(ev.IsSet);

        peer.Write("data"u8);

        Assert.True(ev.IsSet);
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(0, ov.BytesTransferred);
        var buffer = new byte[8];
        Assert.Equal(4, h.Runtime.Receive(s, buffer).Value);
        Assert.Equal("data"u8.ToArray(), buffer[..4]);
    }
}
