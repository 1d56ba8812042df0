using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

public partial class CloseConformanceTests
{
    [Fact]
    [Trait("Rule", "CLS-5")]
    [Trait("Rule", "CLS-2")]
    public void CLS5_HardClose_WithPendingOperations_NotifiesTheirAbortAndResets()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 0).IsSuccess);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(1, ev.SetCount);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(PeerState.Reset, peer.State);
    }

    // ---- CLS-6: linger {1,t>0} on a blocking socket ----

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_CloseBlocksUntilThePeerReadsEverything_ThenReturnsZeroAndThePeerSeesFin()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 10_000, seed: 9);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);

        var closer = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(s));

        Assert.False(h.Runtime.Sockets.Contains(s));
        var head = TestData.ReadExactly(peer, 4000);
        Assert.False(closer.IsCompleted);
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        var tail = TestData.ReadExactly(peer, 6000);
        Assert.Equal(0, TestThreads.Join(closer).ReturnValue);
        Assert.Equal(data, head.Concat(tail).ToArray());
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_WhenTheTimePasses_ResetsTheConnectionAndReturnsZero()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.SendUnread(s, 10_000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        var closer = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(s));
        var lingering = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal(OperationKind.LingeringClose, lingering.Kind);
        Assert.Equal(NotificationKind.BlockingCall, lingering.Notification);

        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(closer.IsCompleted);
        Assert.Equal(PeerState.Open, peer.State);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, TestThreads.Join(closer).ReturnValue);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Empty(h.Runtime.Operations.Snapshot());
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_TimeoutCountsFromTheCloseDecision_WhateverTheThreadsDo()
    {
        // The clock is moved as soon as the close is seen blocked: repeated, this catches a deadline that would start
        // late (after time already passed) and never come.
        for (int round = 0; round < 50; round++)
        {
            using var h = new ProviderHarness();
            var s = h.Connect(out var peer);
            h.SendUnread(s, 100);
            Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 1).IsSuccess);
            var closer = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(s));

            h.Time.Advance(TimeSpan.FromSeconds(1));

            Assert.True(TestThreads.Join(closer).IsSuccess);
            Assert.Equal(PeerState.Reset, peer.State);
        }
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_TimeThatPassesBeforeTheClosingThreadStartsWaiting_StillCounts()
    {
        // The closing thread is held just after its close decision (at its "socket closed" log line) while the clock
        // moves past the linger time; the close must still end by the timeout, not wait for a deadline set later.
        using var atDecision = new ManualResetEventSlim();
        using var clockMoved = new ManualResetEventSlim();
        using var h = new ProviderHarness();
        h.OnLog("SocketClosed", () =>
        {
            atDecision.Set();
            TestThreads.WaitFor(clockMoved);
        });
        var s = h.Connect(out var peer);
        h.SendUnread(s, 100);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        var closer = TestThreads.Start(() => h.Runtime.CloseSocket(s));
        TestThreads.WaitFor(atDecision);

        h.Time.Advance(TimeSpan.FromSeconds(5));
        clockMoved.Set();

        Assert.Equal(0, TestThreads.Join(closer).ReturnValue);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_WithNoUnsentData_ClosesGracefullyAtOnce()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 100);
        Assert.Equal(data, peer.ReadAvailable());
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);

        var close = TestThreads.Join(TestThreads.Start(() => h.Runtime.CloseSocket(s)));

        Assert.True(close.IsSuccess);
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_Linger_APeerResetEndsTheWait()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.SendUnread(s, 1000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 60).IsSuccess);
        var closer = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(s));

        peer.Reset();

        Assert.True(TestThreads.Join(closer).IsSuccess);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    // ---- CLS-7: linger {1,t>0} on a non-blocking socket ----

    [Fact]
    [Trait("Rule", "CLS-7")]
    public void CLS7_Linger_NonBlockingWithUnsentData_FailsWouldBlock_HandleStaysValidAndNothingIsDisconnected()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 2000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        Assert.True(h.Runtime.SetBlocking(s, blocking: false).IsSuccess);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        var close = h.Runtime.CloseSocket(s);

        Assert.Equal(WsaError.WouldBlock, close.Error);
        Assert.True(h.Runtime.Sockets.Contains(s));
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.False(ev.IsSet);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.False(peer.FinPending);
        Assert.Equal(3, h.Runtime.Send(s, "abc"u8.ToArray()).Value);
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal("abc"u8.ToArray(), peer.ReadAvailable());
        peer.Write("in"u8);
        TestThreads.AssertSet(ev);
        Assert.Equal(2, ov.BytesTransferred);
    }

    [Fact]
    [Trait("Rule", "CLS-7")]
    public void CLS7_Linger_NonBlockingOnceThePeerHasReadEverything_ClosesGracefullyAtOnce()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 2000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        Assert.True(h.Runtime.SetBlocking(s, blocking: false).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.CloseSocket(s).Error);
        Assert.Equal(data, peer.ReadAvailable());

        var close = h.Runtime.CloseSocket(s);

        Assert.True(close.IsSuccess);
        Assert.False(h.Runtime.Sockets.Contains(s));
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "CLS-7")]
    [Trait("Rule", "SEL-2")]
    public void CLS7_Linger_SocketMadeNonBlockingByEventSelect_FailsWouldBlockUntilDrained()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 500);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);

        Assert.Equal(WsaError.WouldBlock, h.Runtime.CloseSocket(s).Error);
        peer.Write("x"u8);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(data, peer.ReadAvailable());
        Assert.True(h.Runtime.EnumNetworkEvents(s, ev).IsSuccess);
        int sets = ev.SetCount;
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        peer.Close();
        Assert.False(ev.IsSet);
        Assert.Equal(sets, ev.SetCount);
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    // ---- DUP-1: duplicated handles ----

    [Fact]
    [Trait("Rule", "DUP-1")]
    public void DUP1_ClosingOneOfTwoHandles_CancelsNothingAndNotifiesNothing()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var port = new CompletionPort();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        Assert.True(port.Associate(h.Runtime, s, 5).IsSuccess);
        var ev = new WsaEvent();
        var receiveOv = new WsaOverlapped(ev);
        var probe = new RoutineProbe();
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], receiveOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(dup, TestData.Pattern(32), sendOv, probe.Routine).Error);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var before));
        Assert.Equal(2, before.HandleCount);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.False(h.Runtime.Sockets.Contains(s));
        Assert.True(h.Runtime.Sockets.TryGetInfo(dup, out var after));
        Assert.Equal(1, after.HandleCount);
        Assert.Equal(2, after.PendingOperations);
        Assert.Equal(OperationStatus.Pending, receiveOv.Status);
        Assert.Equal(OperationStatus.Pending, sendOv.Status);
        Assert.False(ev.IsSet);
        Assert.Equal(0, port.PostedCount);
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, h.NotificationCount);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.False(peer.FinPending);
        Assert.Equal(WsaError.NotSocket, h.Runtime.CloseSocket(s).Error);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    [Trait("Rule", "CLS-2")]
    public void DUP1_TheLastClose_DoesTheTeardown()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        var data = h.SendUnread(dup, 300);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        Assert.Equal(OperationStatus.Pending, ov.Status);

        Assert.True(h.Runtime.CloseSocket(dup).IsSuccess);

        Assert.Equal(1, ev.SetCount);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(0, h.Runtime.Sockets.Count);
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    [Trait("Rule", "CLS-3")]
    public void DUP1_ClosingOneHandle_DoesNotInterruptABlockedCallOnTheOther()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var buffer = new byte[8];
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(dup, buffer));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.False(receiver.IsCompleted);
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        peer.Write("still"u8);
        Assert.Equal(5, TestThreads.Join(receiver).Value);
        var again = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(dup, buffer));
        Assert.True(h.Runtime.CloseSocket(dup).IsSuccess);
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(again).Error);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    [Trait("Rule", "CLS-5")]
    public void DUP1_LingerSetThroughEitherHandle_AppliesAtTheLastClose()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        Assert.True(h.Runtime.SetLinger(dup, enabled: true, seconds: 0).IsSuccess);

        Assert.True(h.Runtime.CloseSocket(dup).IsSuccess);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal(3, h.Runtime.Send(s, "abc"u8.ToArray()).Value);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    [Trait("Rule", "CLS-6")]
    public void DUP1_ClosingAHandleThatIsNotTheLast_NeverLingers()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var data = h.SendUnread(s, 1000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);

        var first = TestThreads.Join(TestThreads.Start(() => h.Runtime.CloseSocket(s)));

        Assert.True(first.IsSuccess);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.False(peer.FinPending);
        var last = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(dup));
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.True(TestThreads.Join(last).IsSuccess);
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    public void DUP1_ClosingOneHandleOfAnEventSelectedSocket_KeepsItsEventsFlowing()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read).IsSuccess);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        peer.Write("r"u8);

        TestThreads.AssertSet(ev);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(dup, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    public void DUP1_ManyDuplicates_OnlyTheLastOfAnyOrderTearsDown()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var handles = new List<SocketHandle> { s };
        for (int i = 0; i < 4; i++)
        {
            handles.Add(h.Runtime.DuplicateSocket(handles[i]).ThrowIfFailed());
        }

        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(handles[2], new byte[8], ov).Error);
        foreach (var handle in new[] { handles[2], handles[0], handles[4], handles[1] })
        {
            Assert.True(h.Runtime.CloseSocket(handle).IsSuccess);
            Assert.Equal(OperationStatus.Pending, ov.Status);
            Assert.Equal(PeerState.Open, peer.State);
        }

        Assert.True(h.Runtime.CloseSocket(handles[3]).IsSuccess);

        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(1, ov.Event!.SetCount);
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(0, h.Runtime.Sockets.Count);
        h.Runtime.ValidateInvariants();
    }

    // ---- SEL-2: nothing recorded or signalled after close ----

    [Fact]
    [Trait("Rule", "SEL-2")]
    public void SEL2_AfterClose_NothingIsRecordedOrSignalledWhenThePeerWritesClosesOrResets()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.All).IsSuccess);
        Assert.True(h.Runtime.EnumNetworkEvents(s, ev).IsSuccess);
        int sets = ev.SetCount;

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(2, peer.Write("ab"u8));
        peer.Close();
        Assert.Equal(PeerState.FinReceived, peer.State);
        peer.Reset();
        Assert.False(ev.IsSet);
        Assert.Equal(sets, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "SEL-2")]
    public void SEL2_AfterCloseOfAListeningSocket_NoAcceptIsRecorded()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(4, out var endPoint);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(listening, ev, NetworkEvents.Accept).IsSuccess);

        Assert.True(h.Runtime.CloseSocket(listening).IsSuccess);
        var client = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.ConnectionRefused, h.Runtime.Connect(client, endPoint).Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "SEL-2")]
    [Trait("Rule", "CLS-3")]
    public void SEL2_ClosingASocketWithUnreadEvents_SignalsNothingMore()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);
        peer.Write("data"u8);
        TestThreads.AssertSet(ev);
        ev.Reset();
        int sets = ev.SetCount;

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        peer.Close();

        Assert.False(ev.IsSet);
        Assert.Equal(sets, ev.SetCount);
    }
}
