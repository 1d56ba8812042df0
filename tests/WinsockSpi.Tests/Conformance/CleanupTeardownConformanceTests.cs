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
public class CleanupTeardownConformanceTests
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

    [Fact]
    [Trait("Rule", "CLN-8")]
    public void CLN8_AfterFinalCleanup_ListeningAndBoundEndpointsAreReleased()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        h.ListenOnFreePort(4, out var listenEndPoint);
        var bound = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(h.Runtime.Bind(bound, new IPEndPoint(IPAddress.Loopback, 0)).IsSuccess);
        var boundEndPoint = h.Runtime.GetSockName(bound).ThrowIfFailed();

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        var probe = other.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(WsaError.ConnectionRefused, other.Runtime.Connect(probe, listenEndPoint).Error);
        var rebind = other.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(other.Runtime.Bind(rebind, boundEndPoint).IsSuccess);
        var relisten = other.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(other.Runtime.Bind(relisten, listenEndPoint).IsSuccess);
    }

    // ---- CLN-7: graceful drains continue, byte for byte ----

    [Fact]
    [Trait("Rule", "CLN-7")]
    [Trait("Rule", "PRC-2")]
    public void CLN7_GracefulDrainOfOneMebibyte_SurvivesFinalCleanupAndProcessTermination()
    {
        const int size = 1024 * 1024;
        using var h = new ProviderHarness(sendBufferSize: size);
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, size, seed: 7);
        Assert.True(h.Runtime.SetLinger(s, enabled: false, seconds: 0).IsSuccess);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.True(peer.FinPending);

        Assert.True(h.Runtime.Cleanup().IsSuccess);
        h.AssertUnloadReady();
        h.Process.Terminate();

        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
        Assert.Equal(size, peer.Available);
        var received = TestData.ReadExactly(peer, size);
        Assert.True(data.AsSpan().SequenceEqual(received), "The drained bytes differ from the bytes sent.");
        Assert.Equal(size, peer.BytesReceived);
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(0, peer.Read(new byte[16]));
    }

    [Fact]
    [Trait("Rule", "CLN-7")]
    public void CLN7_GracefulDrain_ContinuesAcrossCleanupWhileOpenSocketsAreReset()
    {
        using var h = new ProviderHarness(sendBufferSize: 4096);
        var draining = h.Connect(out var drainPeer);
        h.Connect(out var openPeer);
        var data = h.SendUnread(draining, 4096, seed: 3);
        Assert.True(h.Runtime.CloseSocket(draining).IsSuccess);
        var head = TestData.ReadExactly(drainPeer, 1000);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(PeerState.Reset, openPeer.State);
        Assert.Equal(PeerState.Open, drainPeer.State);
        var tail = TestData.ReadExactly(drainPeer, 3096);
        Assert.Equal(data, head.Concat(tail).ToArray());
        Assert.Equal(PeerState.FinReceived, drainPeer.State);
        Assert.Equal(WsaError.Success, drainPeer.LastError);
    }

    // ---- CLN-8: nothing provider-owned remains ----

    [Fact]
    [Trait("Rule", "CLN-8")]
    public void CLN8_AfterFinalCleanup_ProviderHoldsNothingAndIsUnloadReady()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var a = h.Connect(out _);
        var b = h.Connect(out _);
        Assert.True(h.Runtime.DuplicateSocket(a).IsSuccess);
        h.ListenOnFreePort(4, out _);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(a, new byte[8], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(b, TestData.Pattern(32), new WsaOverlapped()).Error);
        var blocked = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(b, new byte[8]).Error);
        Assert.False(h.Runtime.IsUnloadReady);
        Assert.Equal(4, h.Runtime.Sockets.Count);
        Assert.Equal(2, h.Runtime.Operations.PendingCount);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        h.AssertUnloadReady();
        Assert.Equal(0, h.Network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(blocked));
    }

    [Fact]
    [Trait("Rule", "CLN-8")]
    [Trait("Rule", "CLN-7")]
    public void CLN8_DataStillToBeSent_BelongsToTheNetworkAfterCleanup()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 5000);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        Assert.True(h.Runtime.Cleanup().IsSuccess);

        h.AssertUnloadReady();
        h.Runtime.Dispose();
        Assert.Equal(data, TestData.ReadExactly(peer, data.Length));
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    // ---- CLN-9: event select is dropped ----

    [Fact]
    [Trait("Rule", "CLN-9")]
    [Trait("Rule", "SEL-2")]
    public void CLN9_FinalCleanup_RecordsNoNetworkEventAfterwards_EvenWhenThePeerWritesClosesOrResets()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Write | NetworkEvents.Close).IsSuccess);
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.False(ev.IsSet);
        int sets = ev.SetCount;

        Assert.True(h.Runtime.Cleanup().IsSuccess);
        peer.Write("after"u8);
        peer.Close();
        peer.Reset();

        Assert.False(ev.IsSet);
        Assert.Equal(sets, ev.SetCount);
        Assert.Equal(WsaError.NotInitialized, h.Runtime.EnumNetworkEvents(s).Error);
    }

    [Fact]
    [Trait("Rule", "CLN-9")]
    [Trait("Rule", "SEL-2")]
    public void CLN9_FinalCleanup_ListeningSocketRecordsNoAcceptAfterwards()
    {
        using var h = new ProviderHarness();
        using var client = new ProviderHarness(network: h.Network);
        var listening = h.ListenOnFreePort(4, out var endPoint);
        var ev = new WsaEvent();
        Assert.True(h.Runtime.EventSelect(listening, ev, NetworkEvents.Accept | NetworkEvents.Close).IsSuccess);
        Assert.False(ev.IsSet);

        Assert.True(h.Runtime.Cleanup().IsSuccess);
        var s = client.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var connect = client.Runtime.Connect(s, endPoint);

        Assert.Equal(WsaError.ConnectionRefused, connect.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.SetCount);
    }

    // ---- CLN-10: restart at once; stale handles never alias ----

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_AfterFinalCleanup_StartupWorksAtOnceWithEmptyTables()
    {
        using var h = new ProviderHarness();
        h.Connect(out _);
        h.ListenOnFreePort(2, out _);
        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out var data));

        Assert.Equal(WinsockVersion.V2_2, data.Version);
        Assert.Equal(1, h.Runtime.StartupCount);
        Assert.Equal(0, h.Runtime.Sockets.Count);
        Assert.Empty(h.Runtime.Sockets.Snapshot());
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Empty(h.Runtime.Operations.Snapshot());
        var s = h.Connect(out var peer);
        Assert.Equal(3, h.Runtime.Send(s, "new"u8.ToArray()).Value);
        Assert.Equal("new"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_StaleHandlesAndDuplicates_GiveNotInitialisedBeforeRestartAndNotSockAfter()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var listening = h.ListenOnFreePort(2, out _);
        SocketHandle[] stale = [s, dup, listening];
        Assert.True(h.Runtime.Cleanup().IsSuccess);

        Assert.All(stale, handle => Assert.All(SpiCalls.Errors(h.Runtime, handle), error => Assert.Equal(WsaError.NotInitialized, error)));

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        var fresh = new List<SocketHandle>();
        for (int i = 0; i < 8; i++)
        {
            fresh.Add(h.Connect(out _));
        }

        Assert.All(stale, handle =>
        {
            Assert.DoesNotContain(handle, fresh);
            Assert.False(h.Runtime.Sockets.Contains(handle));
            Assert.All(SpiCalls.Errors(h.Runtime, handle), error => Assert.Equal(WsaError.NotSocket, error));
        });
        Assert.All(fresh, handle => Assert.True(h.Runtime.Sockets.Contains(handle)));
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_StaleHandle_NeverReachesTheSocketThatReusedItsSlot()
    {
        using var h = new ProviderHarness();
        var old = h.Connect(out _);
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        var fresh = h.Connect(out var peer);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(fresh, new byte[8], ov).Error);

        Assert.Equal(WsaError.NotSocket, h.Runtime.CloseSocket(old).Error);
        Assert.Equal(WsaError.NotSocket, TestThreads.RunBounded(() => h.Runtime.Send(old, "x"u8.ToArray()), "a blocking send that should give NotSocket at once").Error);

        Assert.NotEqual(old, fresh);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.Equal(1, h.Runtime.Sockets.Count);
    }

    // ---- CLN-11: network down ----

    [Fact]
    [Trait("Rule", "CLN-11")]
    public void CLN11_NetworkDown_FinalCleanupReturnsNetDownButTearsDown()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        h.Network.IsAvailable = false;

        var result = h.Runtime.Cleanup();

        Assert.False(result.IsSuccess);
        Assert.Equal(WsaError.NetworkDown, result.Error);
        Assert.Equal(-1, result.ReturnValue);
        h.AssertUnloadReady();
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.NotInitialized, h.Runtime.Cleanup().Error);
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    public void CLN11_NetworkDown_NonFinalCleanupReturnsNetDownAndReleasesItsReference()
    {
        using var h = new ProviderHarness(startups: 2);
        var s = h.Connect(out var peer);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        h.Network.IsAvailable = false;

        Assert.Equal(WsaError.NetworkDown, h.Runtime.Cleanup().Error);

        Assert.Equal(1, h.Runtime.StartupCount);
        Assert.Equal(OperationStatus.Pending, ov.Status);
        Assert.Equal(PeerState.Open, peer.State);
        h.Network.IsAvailable = true;
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        h.AssertUnloadReady();
        Assert.Equal(WsaError.OperationAborted, ov.Error);
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    public void CLN11_NetworkDown_StartupWorksAgainOnceTheNetworkReturns()
    {
        using var h = new ProviderHarness();
        h.Network.IsAvailable = false;
        Assert.Equal(WsaError.NetworkDown, h.Runtime.Cleanup().Error);
        Assert.Equal(0, h.Network.GetClientProcessCount(ProviderOptions.DefaultProviderId));

        Assert.Equal(WsaError.SystemNotReady, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        h.Network.IsAvailable = true;

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(1, h.Runtime.StartupCount);
        Assert.Equal(0, h.Runtime.Sockets.Count);
    }

    // ---- CLN-12: cleanup from a completion routine or a blocking hook ----

    [Fact]
    [Trait("Rule", "CLN-12")]
    public void CLN12_CleanupFromACompletionRoutine_TearsDownWithoutRunningAnyRoutineTwice()
    {
        using var h = new ProviderHarness();
        var first = h.Connect(out var firstPeer);
        var second = h.Connect(out var secondPeer);
        var cleaner = new RoutineProbe();
        var other = new RoutineProbe();
        var cleanupResult = default(SpiResult?);
        cleaner.OnRun = () => cleanupResult = h.Runtime.Cleanup();
        var firstOv = new WsaOverlapped();
        var secondOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(first, new byte[8], firstOv, cleaner.Routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(second, new byte[8], secondOv, other.Routine).Error);
        firstPeer.Write("go"u8);

        int ran = h.Process.AlertableWait(TestThreads.WaitLimit);

        Assert.Equal(1, ran);
        Assert.True(cleanupResult?.IsSuccess);
        Assert.Equal(1, cleaner.Calls);
        Assert.Equal(WsaError.Success, cleaner.Error);
        Assert.Equal(2, cleaner.Bytes);
        Assert.Equal(WsaError.OperationAborted, secondOv.Error);
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, other.Calls);
        Assert.Equal(1, cleaner.Calls);
        Assert.Equal(PeerState.Reset, secondPeer.State);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    public void CLN12_CleanupFromACompletionRoutine_RoutinesAlreadyQueuedRunExactlyOnce()
    {
        using var h = new ProviderHarness();
        var first = h.Connect(out var firstPeer);
        var second = h.Connect(out var secondPeer);
        var cleaner = new RoutineProbe();
        var queued = new RoutineProbe();
        cleaner.OnRun = () => Assert.True(h.Runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(first, new byte[8], new WsaOverlapped(), cleaner.Routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(second, new byte[8], new WsaOverlapped(), queued.Routine).Error);
        firstPeer.Write("a"u8);
        secondPeer.Write("bc"u8);
        Assert.Equal(2, h.Process.GetQueuedApcCount(WsaThreadId.Current));

        Assert.Equal(2, h.Process.AlertableWait(TestThreads.WaitLimit));
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));

        // Both completed before the cleanup, so both are notified, once each.
        Assert.Equal(1, cleaner.Calls);
        Assert.Equal(1, queued.Calls);
        Assert.Equal(2, queued.Bytes);
        Assert.Equal(WsaError.Success, queued.Error);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    [Trait("Rule", "CLN-3")]
    public void CLN12_NonFinalCleanupFromACompletionRoutine_LeavesOtherOperationsRunning()
    {
        using var h = new ProviderHarness(startups: 2);
        var first = h.Connect(out var firstPeer);
        var second = h.Connect(out var secondPeer);
        var cleaner = new RoutineProbe();
        var other = new RoutineProbe();
        cleaner.OnRun = () => Assert.True(h.Runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(first, new byte[8], new WsaOverlapped(), cleaner.Routine).Error);
        var secondOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(second, new byte[8], secondOv, other.Routine).Error);
        firstPeer.Write("a"u8);
        Assert.Equal(1, h.Process.AlertableWait(TestThreads.WaitLimit));
        Assert.Equal(1, h.Runtime.StartupCount);
        Assert.Equal(OperationStatus.Pending, secondOv.Status);

        secondPeer.Write("xyz"u8);

        Assert.Equal(1, h.Process.AlertableWait(TestThreads.WaitLimit));
        Assert.Equal(1, other.Calls);
        Assert.Equal(3, other.Bytes);
        Assert.Equal(1, cleaner.Calls);
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    [Trait("Rule", "CLN-5")]
    public void CLN12_CleanupFromTheBlockingHook_InterruptsTheHookedCallWithoutDeadlock()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        int hookCalls = 0;
        SpiResult? cleanup = null;
        h.BlockingHook = () =>
        {
            Interlocked.Increment(ref hookCalls);
            cleanup = h.Runtime.Cleanup();
            return true;
        };

        var receiver = TestThreads.Start(() => h.Runtime.Receive(s, new byte[8]));

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver).Error);
        Assert.True(cleanup?.IsSuccess);
        Assert.Equal(1, Volatile.Read(ref hookCalls));
        Assert.Equal(PeerState.Reset, peer.State);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    public void CLN12_CleanupFromTheHookOfUpcallsGivenToStartup_TearsDownOnceEvenWhenTheHookStopsWaiting()
    {
        using var h = new ProviderHarness(startups: 0);
        var runtime = h.Runtime;
        int hookCalls = 0;
        var results = new List<WsaError>();

        // A table of its own (not the process's ProcessUpcalls) whose blocking hook tears the provider down.
        var upcalls = Substitute.For<IUpcalls>();
        upcalls.QueryBlockingCallback().Returns(() =>
        {
            Interlocked.Increment(ref hookCalls);
            lock (results)
            {
                results.Add(runtime.Cleanup().Error);
                results.Add(runtime.Cleanup().Error);
            }

            return false; // Asks the provider to cancel the call too, after the teardown already ended it.
        });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _, upcalls));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _, upcalls));
        var s = h.Connect(out var peer);

        var receiver = TestThreads.Start(() => runtime.Receive(s, new byte[8]));

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver).Error);
        Assert.Equal(1, Volatile.Read(ref hookCalls));
        Assert.Equal([WsaError.Success, WsaError.Success], results);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }
}
