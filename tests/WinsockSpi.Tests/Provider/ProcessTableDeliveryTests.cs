using System.Collections.Concurrent;
using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tracing;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// Deliveries made through the process's own upcall table, which the harness's recording table does not exercise: an
/// operation whose only notification is its status is published under the provider's lock and never counted; a batch
/// that runs no user code is delivered without a delivery scope; released sockets still being delivered are waited for by
/// the final cleanup through the draining list (CLN-13).
/// </summary>
public sealed class ProcessTableDeliveryTests
{
    [Fact]
    [Trait("Rule", "OVL-2")]
    [Trait("Rule", "OVL-6")]
    public void OVL2_PolledReceiveThroughTheProcessTable_IsCompletedWhenThePeerWriteReturns()
    {
        using var h = StartedOnTheProcessTable(out var s, out var peer);
        var ov = new WsaOverlapped();
        var buffer = new byte[4];

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov).Error);
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.Equal(WsaError.IOIncomplete, h.Runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(2, peer.Write("ab"u8));

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(2, h.Runtime.GetOverlappedResult(s, ov, wait: false).Value);
        Assert.Equal("ab"u8.ToArray(), buffer[..2]);

        // The object is free at once for the next operation (nothing of the last one is still being delivered).
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov).Error);
        Assert.Equal(1, peer.Write("c"u8));
        Assert.Equal(1, ov.BytesTransferred);
    }

    [Fact]
    [Trait("Rule", "OVL-6")]
    public void OVL6_WaitingGetOverlappedResult_IsWokenByAStatusPublishedUnderTheLock()
    {
        using var h = StartedOnTheProcessTable(out var s, out var peer);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);

        var waiter = Start(() => h.Runtime.GetOverlappedResult(s, ov, wait: true));
        SpinUntil(() => ov.Core!.WaiterCount == 1, "the waiter is registered and waits");
        Assert.Equal(3, peer.Write("xyz"u8));

        Assert.Equal(3, Join(waiter).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-4")]
    [Trait("Rule", "OVL-11")]
    public void OVL4_EventPortAndRoutineThroughTheProcessTable_AreAllStillNotified()
    {
        using var h = StartedOnTheProcessTable(out var s, out var peer);
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 9).ThrowIfFailed();
        var withEvent = new WsaOverlapped(new WsaEvent());
        var withRoutine = new WsaOverlapped();
        var polled = new WsaOverlapped();
        int routineBytes = -1;
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], withEvent).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], withRoutine, (_, bytes, _, _) => routineBytes = bytes).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], polled).Error);

        Assert.Equal(3, peer.Write("123"u8)); // one pump completes all three, in posting order (OVL-5)

        Assert.True(withEvent.Event!.IsSet);
        Assert.Equal(OperationStatus.Completed, withEvent.Status);
        Assert.Equal(OperationStatus.Completed, polled.Status);

        // The socket has a completion port, so the operation without an event is a packet too (EXT-3), in order; the one
        // with a routine is made known by its APC instead.
        Assert.True(port.TryDequeue(out var first));
        Assert.True(port.TryDequeue(out var second));
        Assert.False(port.TryDequeue(out _));
        Assert.Equal([withEvent, polled], [first.Overlapped, second.Overlapped]);

        // The routine waits for an alertable wait of the thread that started it (OVL-4).
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, routineBytes);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_PolledReceiveWithATraceRecorder_IsStillRecordedAsWPUCompleteOverlappedRequest()
    {
        using var h = StartedOnTheProcessTable(out var s, out var peer);
        var recorder = new TraceRecorder();
        h.Runtime.Recorder = recorder;
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);

        Assert.Equal(2, peer.Write("ab"u8));

        Assert.Equal(OperationStatus.Completed, ov.Status);
        var completion = Assert.Single(recorder.Events, e => e.Name == "WPUCompleteOverlappedRequest");
        Assert.Equal(2, completion.Value);
        h.Runtime.Recorder = null;
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_SendsThroughTheProcessTable_CompleteInOrderAsThePeerReads()
    {
        using var h = StartedOnTheProcessTable(out var s, out var peer, sendBufferSize: 4);
        Assert.Equal(4, h.Runtime.Send(s, new byte[4]).Value); // the buffer is full: the next sends pend (OVL-9)
        var first = new WsaOverlapped();
        var second = new WsaOverlapped(new WsaEvent());
        var third = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[2], first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[2], second).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[2], third).Error);

        Assert.Equal(2, peer.Read(new byte[2]));
        Assert.Equal((OperationStatus.Completed, OperationStatus.Pending), (first.Status, second.Status));
        Assert.Equal(4, peer.Read(new byte[4]));

        Assert.Equal((OperationStatus.Completed, OperationStatus.Completed), (second.Status, third.Status));
        Assert.True(second.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    [Trait("Rule", "CLN-12")]
    public void CLN13_SocketClosedFromInsideItsOwnNotification_FinalCleanupOnAnotherThreadWaitsForItsOtherDeliveries()
    {
        // The close does not wait for the delivery it is called from (CLN-12), so the socket is released while its second
        // notification is still to come; the final cleanup, on another thread, must wait for it (the draining list).
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaOverlapped(new WsaEvent());
        var second = new WsaOverlapped(new WsaEvent());
        using var held = new HeldDelivery();
        var order = new ConcurrentQueue<string>();
        HeldDelivery.StartWithCompletionHook(
            h,
            before: completion =>
            {
                if (completion.Overlapped == first)
                {
                    Assert.True(h.Runtime.CloseSocket(s).IsSuccess); // returns at once: its own delivery is this one
                    held.Hold();
                }
            },
            after: completion => order.Enqueue(completion.Overlapped == first ? "first notified" : "second notified"));
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], second).Error);

        var writer = Start(() => peer.Write("12"u8));
        held.WaitUntilHeld();
        Assert.Equal(1, h.Runtime.DrainingCount);
        (OperationStatus Status, bool Set) atReturn = default;
        var cleanup = HeldDelivery.StartWaitingFinalCleanup(h, order, "the final cleanup waits for the closed socket's deliveries", () => atReturn = (second.Status, second.Event!.IsSet));
        held.Release();

        Assert.Null(Join(cleanup)); // the final cleanup succeeded
        var (secondStatus, secondSet) = atReturn;
        Assert.Equal(2, Join(writer));
        Assert.Equal(OperationStatus.Completed, secondStatus);
        Assert.True(secondSet);
        h.AssertUnloadReady();
        Assert.Equal(["first notified", "second notified", "cleanup returned"], order.ToArray());
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    [Trait("Rule", "EXT-1")]
    public void CLN13_SocketClosedWhileItsConnectExIsOffered_FinalCleanupWaitsForTheAbortNotification()
    {
        // ConnectEx offers the connection with no lock held. The socket is closed meanwhile (here from inside the
        // notification of the AcceptEx that the offer completes, on the connecting thread), so the close finds nothing
        // pending and pools it; the ConnectEx then ends aborted and is notified. The final cleanup on another thread must
        // wait for that notification although the socket is in neither the table nor a queue.
        using var h = new ProviderHarness();
        var listener = h.ListenSocket(1, out var endPoint);
        var accept = h.NewSocket();
        var s = h.NewSocket();
        Assert.True(h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).IsSuccess);
        var acceptOv = new WsaOverlapped(new WsaEvent());
        var connectOv = new WsaOverlapped(new WsaEvent());
        using var held = new HeldDelivery();
        var order = new ConcurrentQueue<string>();
        HeldDelivery.StartWithCompletionHook(
            h,
            before: completion =>
            {
                if (completion.Overlapped == acceptOv)
                {
                    Assert.True(h.Runtime.CloseSocket(s).IsSuccess); // the ConnectEx is being offered: nothing of s is queued
                }
                else if (completion.Overlapped == connectOv)
                {
                    held.Hold();
                }
            },
            after: completion => order.Enqueue(completion.Overlapped == connectOv ? "connect notified" : "accept notified"));
        Assert.Equal(WsaError.IOPending, h.Runtime.AcceptEx(listener, accept, new byte[64], 0, 32, 32, acceptOv).Error);

        var connecting = Start(() => h.Runtime.ConnectEx(s, endPoint, default, connectOv));
        held.WaitUntilHeld();
        var cleanup = HeldDelivery.StartWaitingFinalCleanup(h, order, "the final cleanup waits for the aborted ConnectEx's notification");
        held.Release();

        Assert.Null(Join(cleanup)); // the final cleanup succeeded
        Assert.Equal(WsaError.IOPending, Join(connecting).Error);
        Assert.Equal((OperationStatus.Aborted, WsaError.OperationAborted), (connectOv.Status, connectOv.Error));
        Assert.Equal(["accept notified", "connect notified", "cleanup returned"], order.ToArray());
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    public void CLN13_FinalCleanupWhosePeerSignalThrows_StillWaitsForOtherThreadsDeliveriesBeforeThrowing()
    {
        // The teardown resets a connection to a socket of another provider, whose notification (user code) throws out of
        // the cleanup's signal; the exception must not skip the wait for deliveries another thread is still making.
        var network = new SimulatedNetwork();
        using var a = new ProviderHarness(network: network);
        using var b = new ProviderHarness(network: network);
        var listener = a.ListenSocket(1, out var endPoint);
        var bs = b.NewSocket();
        b.Runtime.Connect(bs, endPoint).ThrowIfFailed();
        a.Runtime.Accept(listener).ThrowIfFailed();
        HeldDelivery.StartWithCompletionHook(b, before: _ => throw new InvalidOperationException("the peer provider's upcall"));
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(bs, new byte[1], new WsaOverlapped()).Error);

        var (s, peer) = a.Connect();
        using var held = new HeldDelivery();
        var order = new ConcurrentQueue<string>();
        HeldDelivery.StartWithCompletionHook(a, before: _ => held.Hold(), after: _ => order.Enqueue("delivered"));
        Assert.Equal(WsaError.IOPending, a.Runtime.Receive(s, new byte[1], new WsaOverlapped(new WsaEvent())).Error);
        var writer = Start(() => peer.Write("1"u8));
        held.WaitUntilHeld();

        var cleanup = HeldDelivery.StartWaitingFinalCleanup(a, order, "the final cleanup waits for the held delivery");
        held.Release();

        Assert.IsType<InvalidOperationException>(Join(cleanup));
        Assert.Equal(1, Join(writer));
        Assert.Equal(["delivered", "cleanup returned"], order.ToArray());
        a.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    public void CLN13_ManySocketsClosedFromInsideTheirOwnNotifications_TheDrainingListStaysBounded()
    {
        using var h = new ProviderHarness();
        HeldDelivery.StartWithCompletionHook(h, before: completion => h.Runtime.CloseSocket(completion.Socket).ThrowIfFailed());
        int most = 0;
        for (int i = 0; i < 200; i++)
        {
            var (s, peer) = h.Connect();
            var ov = new WsaOverlapped();
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);
            Assert.Equal(1, peer.Write("x"u8));
            Assert.Equal(OperationStatus.Completed, ov.Status);
            most = Math.Max(most, h.Runtime.DrainingCount);
        }

        // Each socket was released during its own delivery (not pooled); the list is pruned once it doubles, so it
        // never holds more than the minimum of 16 plus what was really still draining at the last pass (nothing here).
        Assert.InRange(most, 1, 16);
        Assert.Equal(0, h.Runtime.Sockets.Count);
    }

    private static ProviderHarness StartedOnTheProcessTable(out SocketHandle s, out RemotePeer peer, int sendBufferSize = 64 * 1024)
    {
        var h = ProviderHarness.OnTheProcessTable(sendBufferSize);
        (s, peer) = h.Connect();
        return h;
    }
}
