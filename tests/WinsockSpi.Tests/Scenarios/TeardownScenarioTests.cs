using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Scenarios;

/// <summary>
/// Every socket state at once, across three startups: the cleanups are run one by one and every observable is
/// checked after each step. Non-final cleanups change nothing (CLN-3); the final one (or the process's death) ends
/// everything by the rules of CLN-4..9 and PRC-2, and a new lifetime starts clean (CLN-10).
/// </summary>
public class TeardownScenarioTests
{
    [Theory]
    [Trait("Rule", "CLN-3")]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "CLN-5")]
    [Trait("Rule", "CLN-6")]
    [Trait("Rule", "CLN-7")]
    [Trait("Rule", "CLN-8")]
    [Trait("Rule", "CLN-9")]
    [Trait("Rule", "PRC-2")]
    [InlineData(false)]
    [InlineData(true)]
    public void Scenario_EverySocketState_ThreeStartups_OnlyTheLastCleanupOrTheProcessDeathTearsDown(bool terminateInsteadOfLastCleanup)
    {
        using var world = new TeardownWorld(startups: 3);
        var baseline = world.Observe();
        Assert.Equal(3, baseline.StartupCount);
        Assert.Equal(9, baseline.Sockets.Length);
        Assert.Equal(5, baseline.Operations.Length);

        Assert.True(world.Runtime.Cleanup().IsSuccess);
        world.AssertUnchanged(baseline, expectedCount: 2);

        Assert.True(world.Runtime.Cleanup().IsSuccess);
        world.AssertUnchanged(baseline, expectedCount: 1);

        if (terminateInsteadOfLastCleanup)
        {
            world.Harness.Process.Terminate();
        }
        else
        {
            Assert.True(world.Runtime.Cleanup().IsSuccess);
        }

        world.AssertTornDown();
        Assert.Equal(WsaError.NotInitialized, world.Runtime.Cleanup().Error);
    }

    [Fact]
    [Trait("Rule", "CLN-3")]
    public void Scenario_AfterEachNonFinalCleanup_OperationsStillCompleteAndNotifyNormally()
    {
        using var world = new TeardownWorld(startups: 3);

        Assert.True(world.Runtime.Cleanup().IsSuccess);
        world.ReceivePeer.Write("one"u8);
        TestThreads.AssertSet(world.ReceiveEvent);
        Assert.Equal(3, world.ReceiveOv.BytesTransferred);
        Assert.Equal(1, world.ReceiveEvent.SetCount);

        Assert.True(world.Runtime.Cleanup().IsSuccess);
        world.BlockedPeer.Write("two"u8);
        Assert.Equal(3, TestThreads.Join(world.BlockedReceiver).Value);
        Assert.Equal(TestData.Pattern(96, 2), TestData.ReadExactly(world.SendPeer, 96));
        Assert.Equal(1, world.Harness.Process.AlertableWait(TestThreads.WaitLimit));
        Assert.Equal(1, world.SendProbe.Calls);
        Assert.Equal(WsaError.Success, world.SendProbe.Error);
        world.PortPeer.Write("three"u8);
        Assert.True(world.Port.TryDequeue(out var packet, TestThreads.WaitLimit));
        Assert.Equal(5, packet.BytesTransferred);
        Assert.Equal(WsaError.Success, packet.Status);

        Assert.True(world.Runtime.Cleanup().IsSuccess);

        // What had already completed stays completed; only the duplicate's receive was still pending.
        Assert.Equal(OperationStatus.Completed, world.ReceiveOv.Status);
        Assert.Equal(OperationStatus.Completed, world.SendOv.Status);
        Assert.Equal(OperationStatus.Completed, world.PortOv.Status);
        Assert.Equal(WsaError.OperationAborted, world.DuplicateOv.Error);
        Assert.Equal(0, world.DuplicateEvent.SetCount);
        Assert.Equal(1, world.SendProbe.Calls);
        Assert.Equal(0, world.Port.Count);
        world.Harness.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    [Trait("Rule", "CLN-8")]
    public void Scenario_TwoLifetimesBackToBack_TheSecondStartsCleanAndTheFirstsHandlesAreDead()
    {
        using var h = new ProviderHarness(sendBufferSize: 64);
        var first = BuildLifetime(h);
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        h.AssertUnloadReady();

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(0, h.Runtime.Sockets.Count);
        var second = BuildLifetime(h);

        Assert.Empty(first.Intersect(second));
        Assert.All(first, stale => Assert.Equal(WsaError.NotSocket, h.Runtime.CloseSocket(stale).Error));
        Assert.Equal(second.Length, h.Runtime.Sockets.Count);
        Assert.Equal(2, h.Runtime.Operations.PendingCount);
        Assert.True(h.Runtime.Cleanup().IsSuccess);
        h.AssertUnloadReady();
    }

    private static SocketHandle[] BuildLifetime(ProviderHarness h)
    {
        var a = h.Connect(out _);
        var b = h.Connect(out _);
        var dup = h.Runtime.DuplicateSocket(a).ThrowIfFailed();
        var listening = h.ListenOnFreePort(2, out _);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(a, new byte[8], new WsaOverlapped(new WsaEvent())).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(b, TestData.Pattern(100), new WsaOverlapped()).Error);
        return [a, b, dup, listening];
    }

    /// <summary>What a test can see of the world at one moment.</summary>
    private sealed record TeardownObservation(
        int StartupCount,
        SocketInfo[] Sockets,
        PendingOperationInfo[] Operations,
        int PendingCount,
        int BlockedCallCount,
        bool IsUnloadReady,
        OperationStatus[] Statuses,
        int[] EventSetCounts,
        int RoutineCalls,
        int QueuedApcs,
        long PortPosted,
        int PortWaiting,
        PeerState[] PeerStates,
        bool FinPendingOnDrain,
        bool BlockedReceiverReturned,
        int Notifications,
        int ClientNotifications);

    /// <summary>
    /// One provider in one process holding a socket in every state, plus a client process whose socket waits in the
    /// listening socket's backlog.
    /// </summary>
    private sealed class TeardownWorld : IDisposable
    {
        private const int SendBuffer = 64;
        private readonly int _testThread = Environment.CurrentManagedThreadId;
        private readonly byte[] _drained;

        public TeardownWorld(int startups)
        {
            Harness = new ProviderHarness(sendBufferSize: SendBuffer, startups: startups);
            Client = new ProviderHarness(network: Harness.Network);
            var r = Harness.Runtime;

            // Idle connected socket.
            Idle = Harness.Connect(out var idlePeer);

            // Pending receive whose end sets an event.
            Receiving = Harness.Connect(out var receivePeer);
            ReceivePeer = receivePeer;
            Assert.Equal(WsaError.IOPending, r.Receive(Receiving, new byte[16], ReceiveOv).Error);

            // Pending send whose end queues a completion routine to this thread.
            Sending = Harness.Connect(out var sendPeer);
            SendPeer = sendPeer;
            Assert.Equal(WsaError.IOPending, r.Send(Sending, TestData.Pattern(96, 2), SendOv, SendProbe.Routine).Error);

            // Pending receive reported through a completion port.
            ThroughPort = Harness.Connect(out var portPeer);
            PortPeer = portPeer;
            Assert.True(Port.Associate(r, ThroughPort, 77).IsSuccess);
            Assert.Equal(WsaError.IOPending, r.Receive(ThroughPort, new byte[16], PortOv).Error);

            // A receive blocked on another thread.
            Blocking = Harness.Connect(out var blockedPeer);
            BlockedPeer = blockedPeer;
            BlockedReceiver = TestThreads.StartBlocked(r, () => r.Receive(Blocking, new byte[16]));

            // A socket closed gracefully whose data is still draining.
            var draining = Harness.Connect(out var drainPeer);
            DrainPeer = drainPeer;
            _drained = Harness.SendUnread(draining, SendBuffer, seed: 4);
            Assert.True(r.CloseSocket(draining).IsSuccess);

            // A socket with two handles, a receive pending on the duplicate.
            Original = Harness.Connect(out var duplicatedPeer);
            Duplicate = r.DuplicateSocket(Original).ThrowIfFailed();
            Assert.Equal(WsaError.IOPending, r.Receive(Duplicate, new byte[16], DuplicateOv).Error);

            // A listening socket with a connection from another process waiting in its backlog.
            Listening = Harness.ListenOnFreePort(4, out var endPoint);
            ClientSocket = Client.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            Assert.True(Client.Runtime.Connect(ClientSocket, endPoint).IsSuccess);
            Assert.Equal(WsaError.IOPending, Client.Runtime.Receive(ClientSocket, new byte[16], ClientOv).Error);
            ListenEndPoint = endPoint;

            // An event-selected socket, its first events read.
            Selected = Harness.Connect(out var selectedPeer);
            Assert.True(r.EventSelect(Selected, SelectEvent, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);
            Assert.Equal(NetworkEvents.None, r.EnumNetworkEvents(Selected, SelectEvent).Value.Events);

            Peers = [idlePeer, receivePeer, sendPeer, portPeer, blockedPeer, drainPeer, duplicatedPeer, selectedPeer];
        }

        public ProviderHarness Harness { get; }

        public ProviderHarness Client { get; }

        public ProviderRuntime Runtime => Harness.Runtime;

        public SocketHandle Idle { get; }

        public SocketHandle Receiving { get; }

        public SocketHandle Sending { get; }

        public SocketHandle ThroughPort { get; }

        public SocketHandle Blocking { get; }

        public SocketHandle Original { get; }

        public SocketHandle Duplicate { get; }

        public SocketHandle Listening { get; }

        public SocketHandle Selected { get; }

        public SocketHandle ClientSocket { get; }

        public EndPoint ListenEndPoint { get; }

        public RemotePeer ReceivePeer { get; }

        public RemotePeer SendPeer { get; }

        public RemotePeer PortPeer { get; }

        public RemotePeer BlockedPeer { get; }

        public RemotePeer DrainPeer { get; }

        public RemotePeer[] Peers { get; }

        public WsaEvent ReceiveEvent { get; } = new();

        public WsaOverlapped ReceiveOv => field ??= new WsaOverlapped(ReceiveEvent);

        public RoutineProbe SendProbe { get; } = new();

        public WsaOverlapped SendOv { get; } = new();

        public CompletionPort Port { get; } = new();

        public WsaOverlapped PortOv { get; } = new();

        public Task<SpiResult<int>> BlockedReceiver { get; }

        public WsaEvent DuplicateEvent { get; } = new();

        public WsaOverlapped DuplicateOv => field ??= new WsaOverlapped(DuplicateEvent);

        public WsaEvent ClientEvent { get; } = new();

        public WsaOverlapped ClientOv => field ??= new WsaOverlapped(ClientEvent);

        public WsaEvent SelectEvent { get; } = new();

        public TeardownObservation Observe() => new(
            Runtime.StartupCount,
            [.. Runtime.Sockets.Snapshot()],
            [.. Runtime.Operations.Snapshot()],
            Runtime.Operations.PendingCount,
            Runtime.Operations.BlockedCallCount,
            Runtime.IsUnloadReady,
            [ReceiveOv.Status, SendOv.Status, PortOv.Status, DuplicateOv.Status, ClientOv.Status],
            [ReceiveEvent.SetCount, DuplicateEvent.SetCount, ClientEvent.SetCount, SelectEvent.SetCount],
            SendProbe.Calls,
            Harness.Process.GetQueuedApcCount(_testThread),
            Port.PostedCount,
            Port.Count,
            [.. Peers.Select(p => p.State)],
            DrainPeer.FinPending,
            BlockedReceiver.IsCompleted,
            Harness.NotificationCount,
            Client.NotificationCount);

        /// <summary>CLN-3: only the count moved.</summary>
        public void AssertUnchanged(TeardownObservation baseline, int expectedCount)
        {
            var now = Observe();
            Assert.Equal(expectedCount, now.StartupCount);
            Assert.Equal(baseline.Sockets, now.Sockets);
            Assert.Equal(baseline.Operations, now.Operations);
            Assert.Equal(baseline.PendingCount, now.PendingCount);
            Assert.Equal(baseline.BlockedCallCount, now.BlockedCallCount);
            Assert.False(now.IsUnloadReady);
            Assert.Equal(baseline.Statuses, now.Statuses);
            Assert.All(now.Statuses, status => Assert.Equal(OperationStatus.Pending, status));
            Assert.Equal(baseline.EventSetCounts, now.EventSetCounts);
            Assert.Equal(baseline.RoutineCalls, now.RoutineCalls);
            Assert.Equal(baseline.QueuedApcs, now.QueuedApcs);
            Assert.Equal(baseline.PortPosted, now.PortPosted);
            Assert.Equal(baseline.PortWaiting, now.PortWaiting);
            Assert.Equal(baseline.PeerStates, now.PeerStates);
            Assert.All(now.PeerStates, state => Assert.Equal(PeerState.Open, state));
            Assert.True(now.FinPendingOnDrain);
            Assert.False(now.BlockedReceiverReturned);
            Assert.Equal(baseline.Notifications, now.Notifications);
            Assert.Equal(baseline.ClientNotifications, now.ClientNotifications);
            Assert.True(Runtime.Sockets.Contains(Listening));
            Runtime.ValidateInvariants();
        }

        /// <summary>CLN-4..9 (or PRC-2): everything ended, silently, and the drain goes on.</summary>
        public void AssertTornDown()
        {
            var now = Observe();
            Harness.AssertUnloadReady();

            // CLN-4: aborted with 995, never notified.
            Assert.All(new[] { ReceiveOv, SendOv, PortOv, DuplicateOv }, ov =>
            {
                Assert.Equal(OperationStatus.Aborted, ov.Status);
                Assert.Equal(WsaError.OperationAborted, ov.Error);
            });
            Assert.Equal(0, ReceiveEvent.SetCount);
            Assert.Equal(0, DuplicateEvent.SetCount);
            Assert.Equal(0, now.QueuedApcs);
            Assert.Equal(0, Harness.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));
            Assert.Equal(0, SendProbe.Calls);
            Assert.Equal(0, Port.PostedCount);
            Assert.Equal(0, Port.Count);
            Assert.Equal(0, now.Notifications);

            // CLN-5: the blocked thread returned WSAEINTR.
            Assert.Equal(WsaError.Interrupted, TestThreads.Join(BlockedReceiver).Error);

            // CLN-6: every open connection reset, unsent data gone; the peer in the backlog was reset too.
            foreach (var peer in Peers.Where(p => p != DrainPeer))
            {
                Assert.Equal(PeerState.Reset, peer.State);
                Assert.Equal(WsaError.ConnectionReset, peer.LastError);
                Assert.Equal(0, peer.Available);
            }

            TestThreads.AssertSet(ClientEvent);
            Assert.Equal(WsaError.ConnectionReset, ClientOv.Error);
            Assert.Equal(1, Client.NotificationCount);
            var refused = Client.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            Assert.Equal(WsaError.ConnectionRefused, Client.Runtime.Connect(refused, ListenEndPoint).Error);

            // CLN-9: nothing recorded or signalled after the teardown.
            int selectSets = SelectEvent.SetCount;
            foreach (var peer in Peers.Where(p => p != DrainPeer))
            {
                peer.Write("late"u8);
                peer.Close();
            }

            Assert.Equal(selectSets, SelectEvent.SetCount);
            Assert.False(SelectEvent.IsSet);
            Assert.Equal(0, ReceiveEvent.SetCount);

            // CLN-7: the graceful drain still delivers every byte, then the FIN.
            Assert.Equal(PeerState.Open, DrainPeer.State);
            Assert.Equal(_drained, TestData.ReadExactly(DrainPeer, _drained.Length));
            Assert.Equal(PeerState.FinReceived, DrainPeer.State);

            // Stale handles: WSANOTINITIALISED while nothing is started.
            foreach (var handle in new[] { Idle, Receiving, Sending, ThroughPort, Blocking, Original, Duplicate, Listening, Selected })
            {
                Assert.Equal(WsaError.NotInitialized, Runtime.CloseSocket(handle).Error);
            }
        }

        public void Dispose()
        {
            Harness.Dispose();
            Client.Dispose();
        }
    }
}
