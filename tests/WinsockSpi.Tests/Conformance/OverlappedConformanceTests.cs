using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 6: overlapped I/O and completion (OVL-1..9).</summary>
public sealed partial class OverlappedConformanceTests
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
}
