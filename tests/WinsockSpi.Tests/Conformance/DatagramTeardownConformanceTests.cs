using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// SEMANTICS §10, DGM-5: overlapped and blocking WSPSendTo/WSPRecvFrom under the rules of sections 3-8 (OVL, BLK),
/// close (CLS-2, CLS-3), the final cleanup (CLN-4, CLN-5) and process death (PRC-2).
/// </summary>
public class DatagramTeardownConformanceTests
{
    // ---- DGM-5 with OVL-1..7: the three notification channels ----

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_OverlappedSendTo_CompletesAtOnce_AndIsStillNotified()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(3, h.Runtime.SendTo(s, "abc"u8.ToArray(), peer.LocalEndPoint, ov).ThrowIfFailed());

        TestThreads.AssertSet(ev);
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal(1, h.NotificationsOf(ov));
        Assert.Equal("abc"u8.ToArray(), peer.Receive()!.Data);
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_OverlappedReceiveFrom_PendsUntilAMessageArrives_ThenSetsItsEventWithTheSource()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var from = new SourceAddress();
        var buffer = new byte[16];

        var pending = h.Runtime.ReceiveFrom(s, buffer, from, ov);

        Assert.Equal(WsaError.IOPending, pending.Error);
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.Equal(WsaError.IOIncomplete, h.Runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.ReceiveFrom(s, buffer, from, ov).Error); // OVL-7
        Assert.Null(from.EndPoint);

        Assert.True(peer.SendTo("hello"u8, address));

        TestThreads.AssertSet(ev);
        Assert.Equal(5, h.Runtime.GetOverlappedResult(s, ov, wait: true).ThrowIfFailed());
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(1, h.NotificationsOf(ov));
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_PendingReceives_CompleteInPostingOrder_OneMessageEach()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var first = new WsaOverlapped();
        var second = new WsaOverlapped();
        var a = new byte[8];
        var b = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, a, null, first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, b, null, second).Error);

        Assert.True(peer.SendTo("one"u8, address));
        Assert.Equal(OperationStatus.Pending, second.Status);
        Assert.True(peer.SendTo("two!"u8, address));

        Assert.Equal(3, first.BytesTransferred);
        Assert.Equal(4, second.BytesTransferred);
        Assert.Equal("one"u8.ToArray(), a[..3]);
        Assert.Equal("two!"u8.ToArray(), b[..4]);
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_CompletionRoutine_RunsOnTheInitiatingThreadInAnAlertableWait()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var probe = new RoutineProbe();
        var from = new SourceAddress();
        using var started = new ManualResetEventSlim();
        using var sent = new ManualResetEventSlim();
        var initiator = TestThreads.Start(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], from, new WsaOverlapped(), probe.Routine).Error);
            started.Set();
            TestThreads.WaitFor(sent);
            int before = probe.Calls;
            int ran = h.Process.AlertableWait(TestThreads.WaitLimit);
            return (Thread: Environment.CurrentManagedThreadId, before, ran);
        });
        TestThreads.WaitFor(started);

        Assert.True(peer.SendTo("hey"u8, address));
        sent.Set();

        var outcome = TestThreads.Join(initiator);
        Assert.Equal(0, outcome.before);
        Assert.Equal(1, outcome.ran);
        Assert.Equal(outcome.Thread, probe.ThreadId);
        Assert.Equal(WsaError.Success, probe.Error);
        Assert.Equal(3, probe.Bytes);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_CompletionPort_GetsOnePacketPerDatagramOperation()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 77).IsSuccess);
        var receive = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, receive).Error);

        Assert.True(peer.SendTo("12345"u8, address));
        Assert.Equal(2, h.Runtime.SendTo(s, "ok"u8.ToArray(), peer.LocalEndPoint, new WsaOverlapped()).ThrowIfFailed());

        Assert.True(port.TryDequeue(out var received, TestThreads.WaitLimit));
        Assert.True(port.TryDequeue(out var sent, TestThreads.WaitLimit));
        Assert.Equal((77u, 5, WsaError.Success), ((uint)received.CompletionKey, received.BytesTransferred, received.Status));
        Assert.Same(receive, received.Overlapped);
        Assert.Equal(2, sent.BytesTransferred);
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void DGM5_SendToHeldByTheNetwork_Pends_BlocksOrWouldBlock_AndGoesInOrderOnRelease()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        h.Network.HoldDatagrams = true;
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(WsaError.IOPending, h.Runtime.SendTo(s, "first"u8.ToArray(), peer.LocalEndPoint, ov).Error);
        var blocked = h.StartBlocked(() => h.Runtime.SendTo(s, "second"u8.ToArray(), peer.LocalEndPoint));
        Assert.Equal(0, peer.Available);
        Assert.False(ev.IsSet);

        h.Network.HoldDatagrams = false;

        Assert.Equal(6, TestThreads.Join(blocked).ThrowIfFailed());
        TestThreads.AssertSet(ev);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal("first"u8.ToArray(), peer.Receive()!.Data);
        Assert.Equal("second"u8.ToArray(), peer.Receive()!.Data);
        h.Network.HoldDatagrams = true;
        Assert.True(h.Runtime.SetBlocking(s, false).IsSuccess);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.SendTo(s, "x"u8.ToArray(), peer.LocalEndPoint).Error);
    }

    // ---- CLS-2 / CLS-3: close aborts with notification, and interrupts a blocked receive ----

    [Fact]
    [Trait("Rule", "CLS-2")]
    [Trait("Rule", "DGM-5")]
    public void CLS2_Close_AbortsPendingReceiveFromAndSendTo_AndNotifiesEach()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, s, 5).IsSuccess);
        var receiveEvent = new WsaEvent();
        var receiveOv = new WsaOverlapped(receiveEvent);
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], new SourceAddress(), receiveOv).Error);
        h.Network.HoldDatagrams = true;
        Assert.Equal(WsaError.IOPending, h.Runtime.SendTo(s, "x"u8.ToArray(), peer.LocalEndPoint, sendOv).Error);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        TestThreads.AssertSet(receiveEvent);
        Assert.Equal(WsaError.OperationAborted, receiveOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
        Assert.Equal(2, port.Count);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal((WsaError.OperationAborted, 0), (packet.Status, packet.BytesTransferred));
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        h.Network.HoldDatagrams = false;
        Assert.Equal(0, peer.Available); // the aborted send never leaves
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    [Trait("Rule", "DGM-5")]
    public void CLS2_Close_QueuesTheReceiveFromRoutineToItsThread()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);
        var probe = new RoutineProbe();
        using var closed = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var initiator = TestThreads.Start(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, new WsaOverlapped(), probe.Routine).Error);
            started.Set();
            TestThreads.WaitFor(closed);
            return h.Process.AlertableWait(TestThreads.WaitLimit);
        });
        TestThreads.WaitFor(started);

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        closed.Set();

        Assert.Equal(1, TestThreads.Join(initiator));
        Assert.Equal(WsaError.OperationAborted, probe.Error);
    }

    [Fact]
    [Trait("Rule", "CLS-3")]
    [Trait("Rule", "DGM-5")]
    public void CLS3_Close_InterruptsABlockedReceiveFromOnAnotherThread()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);
        var receiver = h.StartBlocked(() => h.Runtime.ReceiveFrom(s, new byte[8], null));

        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver).Error);
        Assert.Equal(0, h.NotificationCount);
    }

    // ---- CLN-4 / CLN-5: the final cleanup aborts silently and interrupts ----

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "DGM-5")]
    public void CLN4_FinalCleanup_AbortsPendingReceiveFromAndSendTo_WithoutAnyNotification()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out _);
        var t = Datagrams.Bound(h, out _);
        var port = new CompletionPort();
        Assert.True(port.Associate(h.Runtime, t, 1).IsSuccess);
        var ev = new WsaEvent();
        var eventOv = new WsaOverlapped(ev);
        var probe = new RoutineProbe();
        var portOv = new WsaOverlapped();
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, eventOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, new WsaOverlapped(), probe.Routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(t, new byte[8], null, portOv).Error);
        h.Network.HoldDatagrams = true;
        Assert.Equal(WsaError.IOPending, h.Runtime.SendTo(t, "x"u8.ToArray(), peer.LocalEndPoint, sendOv).Error);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, eventOv.Error);
        Assert.Equal(WsaError.OperationAborted, portOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, port.Count);
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, probe.Calls);
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    [Trait("Rule", "DGM-5")]
    public void CLN5_FinalCleanup_InterruptsABlockedReceiveFrom_AndABlockedSendTo()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out _);
        var receiver = h.StartBlocked(() => h.Runtime.ReceiveFrom(s, new byte[8], null));
        h.Network.HoldDatagrams = true;
        var sender = h.StartBlocked(() => h.Runtime.SendTo(Datagrams.Socket(h), "x"u8.ToArray(), peer.LocalEndPoint));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        var received = TestThreads.Join(receiver);
        Assert.Equal(WsaError.Interrupted, received.Error);
        Assert.Equal(-1, received.ToSpiResult().ReturnValue);
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(sender).Error);
        Assert.Equal(0, h.NotificationCount);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    // ---- BLK-2 / BLK-3: a blocking receive-from is a blocking call ----

    [Fact]
    [Trait("Rule", "BLK-3")]
    [Trait("Rule", "DGM-5")]
    public void BLK3_CancelFromTheHook_EndsTheReceiveFromWithIntr_AndTheSocketStaysUsable()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        int hooks = 0;
        h.BlockingHook = () =>
        {
            if (Interlocked.Increment(ref hooks) == 1)
            {
                h.Runtime.CancelBlockingCall().ThrowIfFailed();
            }

            return true;
        };

        var cancelled = TestThreads.RunBounded(() => h.Runtime.ReceiveFrom(s, new byte[8], null), "a receive-from cancelled by its hook");

        Assert.Equal(WsaError.Interrupted, cancelled.Error);
        Assert.True(Volatile.Read(ref hooks) >= 1); // BLK-2: the hook ran on the blocked thread
        Assert.True(peer.SendTo("still"u8, address));
        Assert.Equal(5, h.Runtime.ReceiveFrom(s, new byte[8], null).ThrowIfFailed()); // no stream to break
    }

    // ---- PRC-2: process death releases everything silently ----

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "DGM-5")]
    public void PRC2_ProcessDeath_AbortsPendingReceiveFromSilently_AndReleasesTheAddress()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, new byte[8], null, ov).Error);

        h.Process.Terminate();

        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, h.NotificationCount);
        using var peer = h.Network.BindDatagram(address); // the address is free at once (DGM-4)
        Assert.Equal(address, peer.LocalEndPoint);
    }

    // ---- SEL-1: event select records datagram events ----

    [Fact]
    [Trait("Rule", "SEL-1")]
    [Trait("Rule", "DGM-5")]
    public void SEL1_EventSelect_RecordsWriteAtOnce_AndReadWhenAMessageArrives()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var ev = new WsaEvent();

        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Write).IsSuccess);
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(s, ev).ThrowIfFailed().Events);

        Assert.True(peer.SendTo("r"u8, address));

        TestThreads.AssertSet(ev);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).ThrowIfFailed().Events);
    }
}
