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

public partial class CleanupTeardownConformanceTests
{
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
