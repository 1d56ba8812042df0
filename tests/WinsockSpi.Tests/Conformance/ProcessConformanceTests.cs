using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §4, processes: PRC-1 to PRC-3. Two processes share one network, each with its own provider.</summary>
public class ProcessConformanceTests
{
    // ---- PRC-1: count, table and operations belong to one process ----

    [Fact]
    [Trait("Rule", "PRC-1")]
    public void PRC1_TwoProcesses_KeepTheirOwnCountsTablesAndOperations()
    {
        using var a = new ProviderHarness(startups: 2);
        using var b = new ProviderHarness(network: a.Network);
        var sa = a.Connect(out _);
        var sb = b.Connect(out _);
        Assert.Equal(WsaError.IOPending, a.Runtime.Receive(sa, new byte[8], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(sb, new byte[8], new WsaOverlapped()).Error);
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(sb, new byte[8], new WsaOverlapped()).Error);

        Assert.NotSame(a.Process, b.Process);
        Assert.NotEqual(a.Process.Id, b.Process.Id);
        Assert.Equal(2, a.Runtime.StartupCount);
        Assert.Equal(1, b.Runtime.StartupCount);
        Assert.Equal(1, a.Runtime.Sockets.Count);
        Assert.Equal(1, b.Runtime.Sockets.Count);
        Assert.Equal(1, a.Runtime.Operations.PendingCount);
        Assert.Equal(2, b.Runtime.Operations.PendingCount);
        Assert.Equal(sa, Assert.Single(a.Runtime.Sockets.Snapshot()).Handle);
        Assert.Equal(sb, Assert.Single(b.Runtime.Sockets.Snapshot()).Handle);
        Assert.Equal(2, a.Network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "PRC-1")]
    public void PRC1_FinalCleanupInOneProcess_LeavesTheOtherProcessUntouched()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var sa = a.Connect(out var peerA);
        var sb = b.Connect(out var peerB);
        var ovA = new WsaOverlapped(new WsaEvent());
        var eventB = new WsaEvent();
        var ovB = new WsaOverlapped(eventB);
        Assert.Equal(WsaError.IOPending, a.Runtime.Receive(sa, new byte[8], ovA).Error);
        Assert.Equal(WsaError.IOPending, b.Runtime.Receive(sb, new byte[8], ovB).Error);

        Assert.True(a.Runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, ovA.Error);
        Assert.Equal(PeerState.Reset, peerA.State);
        Assert.Equal(1, b.Runtime.StartupCount);
        Assert.True(b.Runtime.Sockets.Contains(sb));
        Assert.Equal(OperationStatus.Pending, ovB.Status);
        Assert.Equal(PeerState.Open, peerB.State);
        peerB.Write("b"u8);
        TestThreads.AssertSet(eventB);
        Assert.Equal(1, ovB.BytesTransferred);
        Assert.Equal(1, a.Network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "PRC-1")]
    public void PRC1_TheClientProcessLimitCountsProcessesNotStartups()
    {
        using var a = new ProviderHarness(maxProcesses: 1);
        using var b = new ProviderHarness(network: a.Network, startups: 0, maxProcesses: 1);

        Assert.Equal(WsaError.Success, a.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.ProcessLimit, b.Runtime.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(2, a.Runtime.StartupCount);
        Assert.Equal(0, b.Runtime.StartupCount);
    }

    // ---- PRC-2: a process that ends without cleanup ----

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_Terminate_ReleasesEverythingWithoutAnyNotification()
    {
        using var h = new ProviderHarness(sendBufferSize: 8, startups: 3);
        var port = new CompletionPort();
        var s = h.Connect(out _);
        var t = h.Connect(out _);
        Assert.True(port.Associate(h.Runtime, t, 9).IsSuccess);
        var ev = new WsaEvent();
        var eventOv = new WsaOverlapped(ev);
        var probe = new RoutineProbe();
        var routineOv = new WsaOverlapped();
        var portOv = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], eventOv).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(32), routineOv, probe.Routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(t, new byte[8], portOv).Error);
        var selectEvent = new WsaEvent();
        var selected = h.Connect(out var selectedPeer);
        Assert.True(h.Runtime.EventSelect(selected, selectEvent, NetworkEvents.Read | NetworkEvents.Close).IsSuccess);

        h.Process.Terminate();

        Assert.True(h.Process.IsTerminated);
        Assert.All(new[] { eventOv, routineOv, portOv }, ov => Assert.Equal(WsaError.OperationAborted, ov.Error));
        Assert.False(ev.IsSet);
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, probe.Calls);
        Assert.Equal(0, port.PostedCount);
        Assert.Equal(0, h.NotificationCount);
        selectedPeer.Write("x"u8);
        Assert.False(selectEvent.IsSet);
        h.AssertUnloadReady();
        Assert.Equal(0, h.Network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_Terminate_ResetsItsConnections_PeerSeesConnResetAndUnsentDataIsGone()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        h.Connect(out var idlePeer);
        h.SendUnread(s, 1000);

        h.Process.Terminate();

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        Assert.Equal(0, peer.Available);
        Assert.Equal(PeerState.Reset, idlePeer.State);
        Assert.Equal(WsaError.ConnectionReset, idlePeer.LastError);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "CLN-7")]
    public void PRC2_Terminate_GracefulDrainsAlreadyHandedToTheNetworkContinue()
    {
        using var h = new ProviderHarness(sendBufferSize: 256 * 1024);
        var s = h.Connect(out var peer);
        var data = h.SendUnread(s, 200_000, seed: 11);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);

        h.Process.Terminate();

        Assert.Equal(PeerState.Open, peer.State);
        Assert.True(data.AsSpan().SequenceEqual(TestData.ReadExactly(peer, data.Length)));
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(WsaError.Success, peer.LastError);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_Terminate_ANewProcessStartsAtOnce()
    {
        using var a = new ProviderHarness(maxProcesses: 1);
        a.Connect(out _);
        using var b = new ProviderHarness(network: a.Network, startups: 0, maxProcesses: 1);
        Assert.Equal(WsaError.ProcessLimit, b.Runtime.Startup(WinsockVersion.V2_2, out _));

        a.Process.Terminate();

        Assert.Equal(WsaError.Success, b.Runtime.Startup(WinsockVersion.V2_2, out _));
        var s = b.Connect(out var peer);
        Assert.Equal(2, b.Runtime.Send(s, "ok"u8.ToArray()).Value);
        Assert.Equal("ok"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "CLN-5")]
    public void PRC2_Terminate_ReleasesThreadsBlockedInTheProvider()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var s = h.Connect(out _);
        var t = h.Connect(out _);
        var receiver = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(s, new byte[8]).Error);
        var sender = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Send(t, TestData.Pattern(40)).Error);

        h.Process.Terminate();

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(receiver));
        Assert.Equal(WsaError.Interrupted, TestThreads.Join(sender));
        Assert.Equal(0, h.NotificationCount);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_Terminate_DiscardsCompletionRoutinesAlreadyQueued()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var probe = new RoutineProbe();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov, probe.Routine).Error);
        peer.Write("done"u8);
        Assert.Equal(1, h.Process.GetQueuedApcCount(WsaThreadId.Current));

        h.Process.Terminate();

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(0, h.Process.GetQueuedApcCount(WsaThreadId.Current));
        Assert.Equal(0, h.Process.AlertableWait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, probe.Calls);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_Terminate_ReleasesAThreadWaitingAlertablyWithoutRunningAnything()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        var probe = new RoutineProbe();
        using var started = new ManualResetEventSlim();
        var waiter = TestThreads.Start(() =>
        {
            var error = h.Runtime.Receive(s, new byte[8], new WsaOverlapped(), probe.Routine).Error;
            started.Set();
            return (error, ran: h.Process.AlertableWait(Timeout.InfiniteTimeSpan));
        });
        TestThreads.WaitFor(started);

        h.Process.Terminate();

        var (error, ran) = TestThreads.Join(waiter);
        Assert.Equal(WsaError.IOPending, error);
        Assert.Equal(0, ran);
        Assert.Equal(0, probe.Calls);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "PRC-1")]
    public void PRC2_Terminate_SocketsOfAnotherProcessSeeTheResetAndAreNotifiedNormally()
    {
        using var server = new ProviderHarness();
        using var dying = new ProviderHarness(network: server.Network);
        var listening = server.ListenOnFreePort(4, out var endPoint);
        var client = dying.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(dying.Runtime.Connect(client, endPoint).IsSuccess);
        var accepted = server.Runtime.Accept(listening).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, server.Runtime.Receive(accepted, new byte[8], ov).Error);

        dying.Process.Terminate();

        TestThreads.AssertSet(ev);
        Assert.Equal(1, ev.SetCount);
        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.Equal(1, server.Runtime.StartupCount);
        Assert.Equal(2, server.Runtime.Sockets.Count);
        Assert.Equal(1, server.CompletionCount);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_AfterTerminate_TheDeadProvidersCallsFailAndItCannotBeStarted()
    {
        using var h = new ProviderHarness(startups: 2);
        var s = h.Connect(out _);

        h.Process.Terminate();

        Assert.Equal(0, h.Runtime.StartupCount);
        Assert.Equal(WsaError.NotInitialized, h.Runtime.Cleanup().Error);
        Assert.Equal(WsaError.NotInitialized, TestThreads.RunBounded(() => h.Runtime.Send(s, "x"u8.ToArray()), "a blocking send that should give NotInitialized at once").Error);
        Assert.Equal(WsaError.NotInitialized, h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
        Assert.Throws<ObjectDisposedException>(() => h.Runtime.Startup(WinsockVersion.V2_2, out _));
        h.Process.Terminate();
        Assert.True(h.Process.IsTerminated);
    }

    // ---- PRC-3: handles never cross processes ----

    [Fact]
    [Trait("Rule", "PRC-3")]
    public void PRC3_AHandleOfOneProcess_GivesNotSockInAnother()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var sa = a.Connect(out var peerA);
        var sb = b.Connect(out var peerB);
        var ovA = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, a.Runtime.Receive(sa, new byte[8], ovA).Error);

        Assert.False(b.Runtime.Sockets.Contains(sa));
        Assert.False(b.Runtime.Sockets.TryGetInfo(sa, out _));
        Assert.All(SpiCalls.Errors(b.Runtime, sa), error => Assert.Equal(WsaError.NotSocket, error));

        Assert.True(a.Runtime.Sockets.Contains(sa));
        Assert.Equal(OperationStatus.Pending, ovA.Status);
        Assert.Equal(PeerState.Open, peerA.State);
        Assert.True(b.Runtime.Sockets.Contains(sb));
        Assert.Equal(PeerState.Open, peerB.State);
        Assert.Equal(1, b.Runtime.Sockets.Count);
    }

    [Fact]
    [Trait("Rule", "PRC-3")]
    [Trait("Rule", "PRC-2")]
    public void PRC3_AHandleOfATerminatedProcess_GivesNotSockInTheNextProcess()
    {
        using var a = new ProviderHarness();
        var old = a.Connect(out _);
        var dup = a.Runtime.DuplicateSocket(old).ThrowIfFailed();
        a.Process.Terminate();
        using var b = new ProviderHarness(network: a.Network);
        var fresh = b.Connect(out var peer);

        Assert.Equal(WsaError.NotSocket, TestThreads.RunBounded(() => b.Runtime.Send(old, "x"u8.ToArray()), "a blocking send that should give NotSocket at once").Error);
        Assert.Equal(WsaError.NotSocket, b.Runtime.CloseSocket(old).Error);
        Assert.Equal(WsaError.NotSocket, b.Runtime.CloseSocket(dup).Error);

        Assert.NotEqual(old, fresh);
        Assert.NotEqual(dup, fresh);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.True(b.Runtime.Sockets.Contains(fresh));
    }

    [Fact]
    [Trait("Rule", "PRC-3")]
    public void PRC3_ACompletionPortAssociationNeedsTheOwningProcessesProvider()
    {
        using var a = new ProviderHarness();
        using var b = new ProviderHarness(network: a.Network);
        var sa = a.Connect(out _);
        var port = new CompletionPort();

        Assert.Equal(WsaError.NotSocket, port.Associate(b.Runtime, sa, 1).Error);
        Assert.True(port.Associate(a.Runtime, sa, 1).IsSuccess);
    }
}
