using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §5, close and duplicate handles (CLS-1 to CLS-7, DUP-1), and SEL-2 after close.</summary>
public partial class CloseConformanceTests
{
    // ---- CLS-1: the handle is released at once ----

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_Close_ReleasesTheHandleAtOnce_EveryLaterUseGivesNotSock()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.False(h.Runtime.Sockets.Contains(s));
        Assert.Equal(0, h.Runtime.Sockets.Count);
        Assert.All(SpiCalls.Errors(h.Runtime, s), error => Assert.Equal(WsaError.NotSocket, error));
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_SecondClose_GivesNotSock()
    {
        using var h = new ProviderHarness();
        var s = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        var second = h.Runtime.CloseSocket(s);

        Assert.Equal(WsaError.NotSocket, second.Error);
        Assert.Equal(-1, second.ReturnValue);
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_ClosedHandle_IsNeverAnsweredByALaterSocket()
    {
        using var h = new ProviderHarness();
        var closed = h.Connect(out _);
        Assert.True(h.Runtime.CloseSocket(closed).IsSuccess);

        var later = h.Connect(out var peer);

        Assert.NotEqual(closed, later);
        Assert.Equal(WsaError.NotSocket, TestThreads.RunBounded(() => h.Runtime.Send(closed, "x"u8.ToArray()), "a blocking send that should give NotSocket at once").Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.CloseSocket(closed).Error);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.True(h.Runtime.Sockets.Contains(later));
    }

    // ---- CLS-2: pending overlapped operations end with 995 and ARE notified (the opposite of CLN-4) ----

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_Close_AbortsPendingReceiveAndSend_AndSetsTheirEvents()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out _);
        var receiveEvent = new WsaEvent();
        var sendEvent = new WsaEvent();
        var receiveOv = new WsaOverlapped(receiveEvent);
        var sendOv = new WsaOverlapped(sendEvent);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], receiveOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), sendOv).Error);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        TestThreads.AssertSet(receiveEvent);
        TestThreads.AssertSet(sendEvent);
        Assert.Equal(1, receiveEvent.SetCount);
        Assert.Equal(1, sendEvent.SetCount);
        Assert.Equal(OperationStatus.Aborted, receiveOv.Status);
        Assert.Equal(OperationStatus.Aborted, sendOv.Status);
        Assert.Equal(WsaError.OperationAborted, receiveOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
        Assert.Equal(0, receiveOv.BytesTransferred);
        Assert.Equal(2, h.CompletionCount);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_Close_QueuesTheRoutineToTheInitiatingThread_WhereItRunsInAnAlertableWait()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out _);
        var receive = new RoutineProbe();
        var send = new RoutineProbe();
        var receiveOv = new WsaOverlapped();
        var sendOv = new WsaOverlapped();
        using var started = new ManualResetEventSlim();
        using var closed = new ManualResetEventSlim();
        var initiator = TestThreads.Start(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], receiveOv, receive.Routine).Error);
            Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), sendOv, send.Routine).Error);
            started.Set();
            TestThreads.WaitFor(closed);
            int queued = h.Process.GetQueuedApcCount(WsaThreadId.Current);
            int callsBeforeWait = receive.Calls + send.Calls;
            int ran = h.Process.AlertableWait(TestThreads.WaitLimit);
            return (Thread: Environment.CurrentManagedThreadId, queued, callsBeforeWait, ran);
        });
        TestThreads.WaitFor(started);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        closed.Set();

        var outcome = TestThreads.Join(initiator);
        Assert.Equal(2, outcome.queued);
        Assert.Equal(0, outcome.callsBeforeWait);
        Assert.Equal(2, outcome.ran);
        Assert.Equal(0, h.Process.GetQueuedApcCount(WsaThreadId.Current));
        foreach (var probe in new[] { receive, send })
        {
            Assert.Equal(1, probe.Calls);
            Assert.Equal(outcome.Thread, probe.ThreadId);
            Assert.Equal(WsaError.OperationAborted, probe.Error);
            Assert.Equal(0, probe.Bytes);
        }

        Assert.Equal(WsaError.OperationAborted, receiveOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_Close_PostsACompletionPacketWithZeroBytesAndStatus995()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var port = new CompletionPort();
        var s = h.Connect(out _);
        Assert.True(port.Associate(h.Runtime, s, 7).IsSuccess);
        var receiveOv = new WsaOverlapped();
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], receiveOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), sendOv).Error);
        long posted = port.PostedCount;

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(posted + 2, port.PostedCount);
        var packets = new List<CompletionPacket>();
        while (port.TryDequeue(out var packet))
        {
            packets.Add(packet);
        }

        Assert.Equal(2, packets.Count);
        Assert.All(packets, packet =>
        {
            Assert.Equal((nuint)7, packet.CompletionKey);
            Assert.Equal(0, packet.BytesTransferred);
            Assert.Equal(WsaError.OperationAborted, packet.Status);
        });
        Assert.Contains(packets, p => ReferenceEquals(p.Overlapped, receiveOv));
        Assert.Contains(packets, p => ReferenceEquals(p.Overlapped, sendOv));
    }

    [Theory]
    [Trait("Rule", "CLS-2")]
    [Trait("Rule", "CLN-4")]
    [InlineData(NotificationKind.Event)]
    [InlineData(NotificationKind.CompletionRoutine)]
    [InlineData(NotificationKind.CompletionPort)]
    public void CLS2_CloseNotifiesTheAbortedOperation_WhereTheFinalCleanupDoesNot(NotificationKind kind)
    {
        int CountNotifications(bool byClose)
        {
            using var h = new ProviderHarness();
            var s = h.Connect(out _);
            var ev = new WsaEvent();
            var port = new CompletionPort();
            var probe = new RoutineProbe();
            var ov = new WsaOverlapped(kind == NotificationKind.Event ? ev : null);
            if (kind == NotificationKind.CompletionPort)
            {
                Assert.True(port.Associate(h.Runtime, s, 1).IsSuccess);
            }

            var routine = kind == NotificationKind.CompletionRoutine ? probe.Routine : null;
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov, routine).Error);
            Assert.Equal(kind, Assert.Single(h.Runtime.Operations.Snapshot()).Notification);

            Assert.True((byClose ? h.Runtime.CloseSocket(s) : h.Runtime.Cleanup()).IsSuccess);

            Assert.Equal(WsaError.OperationAborted, ov.Error);
            h.Process.AlertableWait(TimeSpan.Zero);
            return ev.SetCount + probe.Calls + (int)port.PostedCount;
        }

        Assert.Equal(1, CountNotifications(byClose: true));
        Assert.Equal(0, CountNotifications(byClose: false));
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_Close_AbortsEveryPendingOperationInPostingOrder()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 3).IsSuccess);
        var operations = Enumerable.Range(0, 4).Select(_ => new WsaOverlapped()).ToArray();
        foreach (var ov in operations)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        }

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        foreach (var ov in operations)
        {
            Assert.True(port.TryDequeue(out var packet));
            Assert.Same(ov, packet.Overlapped);
            Assert.Equal(WsaError.OperationAborted, packet.Status);
        }

        Assert.Equal(0, port.Count);
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_Close_LeavesOtherSocketsOperationsPending()
    {
        using var h = new ProviderHarness();
        var closing = h.Connect(out _);
        var other = h.Connect(out var otherPeer);
        var closingOv = new WsaOverlapped(new WsaEvent());
        var otherEvent = new WsaEvent();
        var otherOv = new WsaOverlapped(otherEvent);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(closing, new byte[8], closingOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(other, new byte[8], otherOv).Error);

        Assert.True(h.Runtime.CloseSocket(closing).IsSuccess);

        Assert.Equal(WsaError.OperationAborted, closingOv.Error);
        Assert.Equal(OperationStatus.Pending, otherOv.Status);
        Assert.False(otherEvent.IsSet);
        otherPeer.Write("ok"u8);
        TestThreads.AssertSet(otherEvent);
        Assert.Equal(2, otherOv.BytesTransferred);
    }

    // ---- CLS-3: blocking calls on the socket return WSAEINTR; no FD_CLOSE for the closed socket ----

    [Fact]
    [Trait("Rule", "CLS-3")]
    public void CLS3_Close_InterruptsBlockingReceiveOnAnotherThread()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(s, new byte[8]));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver).Error);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(0, h.NotificationCount);
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    [Trait("Rule", "CLS-3")]
    public void CLS3_Close_InterruptsBlockingSendOnAFullBuffer()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out _);
        var sender = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Send(s, TestData.Pattern(64)));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(sender).Error);
        Assert.Equal(0, h.NotificationCount);
    }

    [Fact]
    [Trait("Rule", "CLS-3")]
    public void CLS3_Close_InterruptsBlockingAccept()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(2, out _);
        var acceptor = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Accept(listening));

        Assert.True(h.Runtime.CloseSocket(listening).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(acceptor).Error);
    }

    [Fact]
    [Trait("Rule", "CLS-3")]
    public void CLS3_Close_InterruptsOnlyTheCallsOnThatSocket()
    {
        using var h = new ProviderHarness();
        var closing = h.Connect(out _);
        var other = h.Connect(out var otherPeer);
        var closingReceiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(closing, new byte[8]).Error);
        var buffer = new byte[8];
        var otherReceiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(other, buffer));

        Assert.True(h.Runtime.CloseSocket(closing).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(closingReceiver));
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        Assert.False(otherReceiver.IsCompleted);
        otherPeer.Write("fine"u8);
        Assert.Equal(4, TestThreads.Join(otherReceiver).Value);
        Assert.Equal("fine"u8.ToArray(), buffer[..4]);
    }

    [Fact]
    [Trait("Rule", "CLS-3")]
    [Trait("Rule", "SEL-2")]
    public void CLS3_Close_OfAnEventSelectedSocketWithABlockedCall_InterruptsItAndRecordsNoFdClose()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(s, new byte[8]));
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.False(ev.IsSet);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver).Error);
        peer.Write("late"u8);
        peer.Close();
        peer.Reset();
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
        Assert.Equal(WsaError.NotSocket, h.Runtime.EnumNetworkEvents(s).Error);
    }

    // ---- CLS-4: default linger: close returns at once and the data drains ----

    [Theory]
    [Trait("Rule", "CLS-4")]
    [InlineData(true)]
    [InlineData(false)]
    public void CLS4_DefaultLinger_CloseReturnsZeroAtOnce_PeerGetsAllDataThenFin(bool blocking)
    {
        using var h = new ProviderHarness(sendBufferSize: 64 * 1024);
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 40_000, seed: 5);
        Assert.True(h.Runtime.SetBlocking(s, blocking).IsSuccess);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.Equal(LingerState.DontLinger, info.Linger);
        Assert.Equal(40_000, info.UnsentBytes);

        var close = TestThreads.Join(TestThreads.Start(() => h.Runtime.CloseSocket(s)));

        Assert.Equal(0, close.ReturnValue);
        Assert.Equal(0, peer.BytesReceived);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(0, h.Runtime.Sockets.Count);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
    }

    [Fact]
    [Trait("Rule", "CLS-4")]
    public void CLS4_SoDontLingerAfterSoLinger_RestoresTheGracefulBackgroundClose()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 3000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        Assert.True(h.Runtime.SetLinger(s, enabled: false, seconds: 5).IsSuccess);

        var close = TestThreads.Join(TestThreads.Start(() => h.Runtime.CloseSocket(s)));

        Assert.True(close.IsSuccess);
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    [Trait("Rule", "CLS-4")]
    public void CLS4_DefaultLinger_DeliversTheBytesAnAbortedSendHadAlreadyHandedOver()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out var peer);
        var ov = new WsaOverlapped(new WsaEvent());
        var data = TestData.Pattern(20);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, data, ov).Error);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        // The first 8 bytes were in the connection; the rest of the aborted send never left the socket.
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(data[..8], TestData.ReadExactly(peer, 8));
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    // ---- CLS-5: linger {1,0}: hard close ----

    [Theory]
    [Trait("Rule", "CLS-5")]
    [InlineData(true)]
    [InlineData(false)]
    public void CLS5_HardClose_ReturnsZeroAtOnce_PeerSeesResetAndUnsentDataIsDiscarded(bool blocking)
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.SendUnread(s, 5000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 0).IsSuccess);
        Assert.True(h.Runtime.SetBlocking(s, blocking).IsSuccess);

        var close = TestThreads.Join(TestThreads.Start(() => h.Runtime.CloseSocket(s)));

        Assert.Equal(0, close.ReturnValue);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, peer.Read(new byte[100]));
        Assert.Equal(0, peer.BytesReceived);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }
}
