using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §3, the final cleanup: CLN-4 to CLN-12.</summary>
public partial class CleanupTeardownConformanceTests
{
    // ---- CLN-4: pending overlapped operations end with 995 and no notification at all ----

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_AbortsPendingReceiveWithoutSettingItsEvent()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);

        var result = h.Runtime.Cleanup();

        Assert.True(result.IsSuccess);
        Assert.Equal(OperationStatus.Aborted, ov.Status);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(995, (int)ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
        Assert.Equal(0, h.NotificationCount);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_AbortsPendingSendWithoutNotification()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), ov).Error);
        Assert.Equal(8, peer.Available);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(OperationStatus.Aborted, ov.Status);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
        Assert.Equal(0, h.NotificationCount);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_NeverQueuesTheCompletionRoutine()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out _);
        var receive = new RoutineProbe();
        var send = new RoutineProbe();
        var receiveOv = new WsaOverlapped();
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], receiveOv, receive.Routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), sendOv, send.Routine).Error);
        int self = Environment.CurrentManagedThreadId;

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, receiveOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
        Assert.Equal(0, h.Process.GetQueuedApcCount(self));
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, receive.Calls);
        Assert.Equal(0, send.Calls);
        Assert.Equal(0, h.ApcCount);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_NeverQueuesTheRoutineToAnotherInitiatingThread()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var probe = new RoutineProbe();
        var ov = new WsaOverlapped();
        using var started = new ManualResetEventSlim();
        using var cleanedUp = new ManualResetEventSlim();
        var initiator = TestThreads.Start(() =>
        {
            var error = h.Runtime.Receive(s, new byte[16], ov, probe.Routine).Error;
            started.Set();
            TestThreads.WaitFor(cleanedUp);
            int queued = h.Process.GetQueuedApcCount(WsaThreadId.Current);
            int ran = h.Process.AlertableWait(TimeSpan.FromMilliseconds(20));
            return (error, queued, ran);
        });
        TestThreads.WaitFor(started);

        Assert.True(h.Runtime.Cleanup().IsSuccess);
        cleanedUp.Set();

        var (error, queued, ran) = TestThreads.Join(initiator);
        Assert.Equal(WsaError.IOPending, error);
        Assert.Equal(0, queued);
        Assert.Equal(0, ran);
        Assert.Equal(0, probe.Calls);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_PostsNoCompletionPacket()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var port = new CompletionPort();
        var s = h.Connect(out var peer);
        Assert.True(port.Associate(h.Runtime, s, 42).IsSuccess);

        // One completed operation first, so the port demonstrably works for this socket.
        var done = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], done).Error);
        Assert.Equal(2, peer.Write("hi"u8));
        Assert.True(port.TryDequeue(out var first, TestThreads.WaitLimit));
        Assert.Equal(2, first.BytesTransferred);
        long posted = port.PostedCount;

        var ev = new WsaEvent();
        var receiveOv = new WsaOverlapped(ev);
        var sendOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], receiveOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), sendOv).Error);
        Assert.All(h.Runtime.Operations.Snapshot(), op => Assert.Equal(NotificationKind.CompletionPort, op.Notification));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, receiveOv.Error);
        Assert.Equal(WsaError.OperationAborted, sendOv.Error);
        Assert.Equal(0, port.Count);
        Assert.Equal(posted, port.PostedCount);
        Assert.False(port.TryDequeue(out _));
        Assert.False(ev.IsSet);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_FinalCleanup_AbortsEveryPendingOperationOfEverySocket()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var events = new List<WsaEvent>();
        var operations = new List<WsaOverlapped>();
        for (int i = 0; i < 5; i++)
        {
            var s = h.Connect(out _);
            for (int j = 0; j < 3; j++)
            {
                var ev = new WsaEvent();
                var receive = new WsaOverlapped(ev);
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], receive).Error);
                events.Add(ev);
                operations.Add(receive);
            }

            var sendEvent = new WsaEvent();
            var send = new WsaOverlapped(sendEvent);
            Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(16, i), send).Error);
            events.Add(sendEvent);
            operations.Add(send);
        }

        Assert.Equal(20, h.Runtime.Operations.PendingCount);
        long finishedBefore = h.Runtime.Operations.CompletedCount;

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.All(operations, op =>
        {
            Assert.Equal(OperationStatus.Aborted, op.Status);
            Assert.Equal(WsaError.OperationAborted, op.Error);
        });
        Assert.All(events, ev => Assert.Equal(0, ev.SetCount));
        Assert.Equal(finishedBefore + 20, h.Runtime.Operations.CompletedCount);
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "CLN-9")]
    public void CLN4_FinalCleanup_SocketsConnectedToEachOtherInTheProcess_NeverSeeEachOthersReset()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(4, out var endPoint);
        var client = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(h.Runtime.Connect(client, endPoint).IsSuccess);
        var server = h.Runtime.Accept(listening).ThrowIfFailed();
        var clientEvent = new WsaEvent();
        var serverEvent = new WsaEvent();
        var clientOv = new WsaOverlapped(clientEvent);
        var serverOv = new WsaOverlapped(serverEvent);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(client, new byte[8], clientOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(server, new byte[8], serverOv).Error);
        var selectEvent = new WsaEvent();
        var selected = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(h.Runtime.Connect(selected, endPoint).IsSuccess);
        var selectedServer = h.Runtime.Accept(listening).ThrowIfFailed();
        Assert.True(h.Runtime.EventSelect(selectedServer, selectEvent, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);
        Assert.False(selectEvent.IsSet);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        // Each end is torn down silently: neither sees the other's reset as a WSAECONNRESET failure or an FD_CLOSE.
        Assert.Equal(WsaError.OperationAborted, clientOv.Error);
        Assert.Equal(WsaError.OperationAborted, serverOv.Error);
        Assert.Equal(0, clientEvent.SetCount);
        Assert.Equal(0, serverEvent.SetCount);
        Assert.Equal(0, selectEvent.SetCount);
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void CLN4_AbortedOverlapped_IsFreeForReuseAfterRestart()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        var again = h.Connect(out var peer);

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(again, new byte[8], ov).Error);
        Assert.Equal(3, peer.Write("abc"u8));

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
    }

    // ---- CLN-5: blocking calls on any thread return WSAEINTR, with no notification ----

    [Fact]
    [Trait("Rule", "CLN-5")]
    public void CLN5_FinalCleanup_InterruptsBlockingReceiveOnAnotherThread()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(s, new byte[16]));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        var result = TestThreads.Join(receiver);
        Assert.Equal(WsaError.Interrupted, result.Error);
        Assert.Equal(-1, result.ToSpiResult().ReturnValue);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(0, h.NotificationCount);
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    public void CLN5_FinalCleanup_InterruptsBlockingSendOnAFullBuffer()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out var peer);
        var sender = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Send(s, TestData.Pattern(64)));
        Assert.Equal(8, peer.Available);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(sender).Error);
        Assert.Equal(0, h.NotificationCount);
        Assert.Equal(PeerState.Reset, peer.State);
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    public void CLN5_FinalCleanup_InterruptsBlockingAccept()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(4, out _);
        var acceptor = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Accept(listening));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(acceptor).Error);
        Assert.Equal(0, h.NotificationCount);
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    public void CLN5_FinalCleanup_InterruptsEveryBlockedThreadAtOnce()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var a = h.Connect(out _);
        var b = h.Connect(out _);
        var listening = h.ListenOnFreePort(4, out _);
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(a, new byte[16]).Error);
        var sender = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Send(b, TestData.Pattern(64)).Error);
        var acceptor = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Accept(listening).Error);
        Assert.Equal(3, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(3, h.Runtime.Operations.Snapshot().Count(op => op.Notification == NotificationKind.BlockingCall));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver));
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(sender));
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(acceptor));
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    [Trait("Rule", "CLN-7")]
    public void CLN5_FinalCleanup_InterruptsALingeringCloseWhoseDataStillDrains()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 1000);
        Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 30).IsSuccess);
        var closer = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.CloseSocket(s));

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(closer).Error);
        h.AssertUnloadReady();
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    // ---- CLN-6: open sockets are reset; their unsent data is discarded ----

    [Fact]
    [Trait("Rule", "CLN-6")]
    public void CLN6_FinalCleanup_ResetsAnOpenConnection_PeerSeesConnReset()
    {
        using var h = new ProviderHarness();
        h.Connect(out var peer);
        Assert.Equal(PeerState.Open, peer.State);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Write("late"u8));
    }

    [Fact]
    [Trait("Rule", "CLN-6")]
    public void CLN6_FinalCleanup_DiscardsUnsentData()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.SendUnread(s, 4096);
        Assert.Equal(4096, peer.Available);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(0, peer.Available);
        Assert.Equal(0, peer.Read(new byte[4096]));
        Assert.Equal(0, peer.BytesReceived);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
    }

    [Theory]
    [Trait("Rule", "CLN-6")]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 5)]
    public void CLN6_FinalCleanup_ResetsWhateverTheLingerSetting(bool lingerOn, int seconds)
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.SendUnread(s, 100);
        Assert.True(h.Runtime.SetLinger(s, lingerOn, seconds).IsSuccess);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "CLN-6")]
    public void CLN6_FinalCleanup_ResetsAcceptedSocketsAndTheBacklog()
    {
        using var h = new ProviderHarness();
        using var client = new ProviderHarness(network: h.Network);
        var listening = h.ListenOnFreePort(4, out var endPoint);
        var accepted = client.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var waiting = client.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(client.Runtime.Connect(accepted, endPoint).IsSuccess);
        Assert.True(h.Runtime.Accept(listening).IsSuccess);
        Assert.True(client.Runtime.Connect(waiting, endPoint).IsSuccess);
        var acceptedEvent = new WsaEvent();
        var waitingEvent = new WsaEvent();
        var acceptedOv = new WsaOverlapped(acceptedEvent);
        var waitingOv = new WsaOverlapped(waitingEvent);
        Assert.Equal(WsaError.IOPending, client.Runtime.Receive(accepted, new byte[8], acceptedOv).Error);
        Assert.Equal(WsaError.IOPending, client.Runtime.Receive(waiting, new byte[8], waitingOv).Error);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        // The far sockets live in another process: they see the reset (OVL-8) and are notified normally.
        TestThreads.AssertSet(acceptedEvent);
        TestThreads.AssertSet(waitingEvent);
        Assert.Equal(WsaError.ConnectionReset, acceptedOv.Error);
        Assert.Equal(WsaError.ConnectionReset, waitingOv.Error);
        Assert.True(client.Runtime.Sockets.TryGetInfo(accepted, out var info));
        Assert.Equal(SocketState.Reset, info.State);
        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => client.Runtime.Send(waiting, "x"u8.ToArray()), "a blocking send that should give ConnectionReset at once").Error);
    }
}
