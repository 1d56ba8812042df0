using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

public partial class CleanupLifecycleConformanceTests
{
    [Fact]
    [Trait("Rule", "CLN-3")]
    public void CLN3_NonFinalCleanup_LeavesPendingReceiveToCompleteWithItsEvent()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, peer) = TestConnections.Connect(runtime, network);
        using var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[16];
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, buffer, ov).Error);

        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.True(ov.IsPending);
        Assert.False(ev.IsSet);
        Assert.Equal(1, runtime.Operations.PendingCount);
        Assert.Equal(PeerState.Open, peer.State);

        Assert.Equal(3, peer.Write("abc"u8));

        Assert.True(ev.IsSet);
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal(3, runtime.GetOverlappedResult(s, ov, wait: false).Value);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        Assert.Equal(0, runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "CLN-3")]
    public void CLN3_NonFinalCleanup_LeavesPendingReceiveToRunItsCompletionRoutine()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, peer) = TestConnections.Connect(runtime, network);
        var ov = new WsaOverlapped();
        var calls = new List<(WsaError Error, int Bytes)>();
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[16], ov, (e, n, _, _) => calls.Add((e, n))).Error);

        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.Equal(0, runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.True(ov.IsPending);
        peer.Write("hello"u8);

        Assert.Equal(1, runtime.Process.AlertableWait(TimeSpan.FromSeconds(10)));
        Assert.Equal([(WsaError.Success, 5)], calls);
    }

    [Fact]
    [Trait("Rule", "CLN-3")]
    public void CLN3_NonFinalCleanup_LeavesPendingSendToCompleteAndTheConnectionOpen()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, SendBufferSize = 4 });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, peer) = TestConnections.Connect(runtime, network);
        using var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, runtime.Send(s, "12345678"u8.ToArray(), ov).Error);

        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.True(ov.IsPending);
        Assert.False(ev.IsSet);

        var received = new byte[8];
        Assert.Equal(4, peer.Read(received));
        Assert.Equal(4, peer.Read(received.AsSpan(4)));

        Assert.True(ev.IsSet);
        Assert.Equal(8, ov.BytesTransferred);
        Assert.Equal("12345678"u8.ToArray(), received);
        Assert.Equal(PeerState.Open, peer.State);
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_FinalCleanup_EmptiesTheSocketTable()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var (connected, _) = TestConnections.Connect(runtime, network);
        var plain = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var dup = runtime.DuplicateSocket(plain).ThrowIfFailed();
        var udp = runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
        Assert.Equal(WsaError.IOPending, runtime.Receive(connected, new byte[4], new WsaOverlapped()).Error);
        Assert.Equal(4, runtime.Sockets.Count);

        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.Equal(0, runtime.Sockets.Count);
        Assert.Empty(runtime.Sockets.Snapshot());
        Assert.Equal(0, runtime.Operations.PendingCount);
        Assert.All(new[] { connected, plain, dup, udp }, h => Assert.False(runtime.Sockets.Contains(h)));
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_RestartAfterFinalCleanup_WorksAtOnceWithTheWholeTableFree()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { MaxSockets = 3 });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        for (int i = 0; i < 3; i++)
        {
            runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        }

        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out var data));
        Assert.Equal(WinsockVersion.V2_2, data.Version);
        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(0, runtime.Sockets.Count);
        Assert.Equal(0, runtime.Operations.PendingCount);
        Assert.Equal(0, runtime.Operations.BlockedCallCount);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).IsSuccess);
        }

        Assert.Equal(WsaError.TooManyOpenSockets, runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
    }

    [Theory]
    [Trait("Rule", "CLN-10")]
    [MemberData(nameof(HandleCalls))]
    public void CLN10_OldHandle_GivesNotInitialisedBeforeRestartAndNotSockAfter_EvenWhenItsSlotIsReused(string call)
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var old = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.NotInitialized, SpiCallCatalog.Invoke(runtime, call, old));

        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var fresh = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(SlotOf(old), SlotOf(fresh));
        Assert.NotEqual(old, fresh);

        Assert.Equal(WsaError.NotSocket, SpiCallCatalog.Invoke(runtime, call, old));

        // The stale handle reached nothing: the new socket in the same slot is untouched.
        Assert.Equal(1, runtime.Sockets.Count);
        Assert.True(runtime.Sockets.TryGetInfo(fresh, out var info));
        Assert.Equal(SocketState.Created, info.State);
        Assert.True(info.IsBlocking);
        Assert.Equal(LingerState.DontLinger, info.Linger);
        Assert.Equal(1, info.HandleCount);
        Assert.Equal(NetworkEvents.None, info.SelectedEvents);
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_HandlesOfEveryEarlierSession_NeverAliasANewSocket()
    {
        const int Sessions = 50;
        using var runtime = new ProviderRuntime();
        var stale = new List<SocketHandle>();
        var staleSlots = new HashSet<int>();

        for (int session = 0; session < Sessions; session++)
        {
            Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
            var a = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            var b = runtime.DuplicateSocket(a).ThrowIfFailed();
            if (session > 0)
            {
                Assert.Contains(SlotOf(a), staleSlots);
            }

            foreach (var old in stale)
            {
                Assert.NotEqual(a, old);
                Assert.NotEqual(b, old);
                Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(old).Error);
                Assert.Equal(WsaError.NotSocket, runtime.DuplicateSocket(old).Error);
            }

            Assert.True(runtime.Sockets.Contains(a));
            Assert.True(runtime.Sockets.Contains(b));
            Assert.Equal(2, runtime.Sockets.Count);
            Assert.True(runtime.Cleanup().IsSuccess);
            stale.Add(a);
            stale.Add(b);
            staleSlots.Add(SlotOf(a));
            staleSlots.Add(SlotOf(b));
        }

        Assert.Equal(Sessions * 2, stale.Distinct().Count());
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_OldDuplicateHandles_GiveNotSockAfterRestart()
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var original = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var dup = runtime.DuplicateSocket(original).ThrowIfFailed();
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.NotInitialized, runtime.CloseSocket(dup).Error);
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var n1 = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var n2 = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(new[] { SlotOf(original), SlotOf(dup) }.Order(), new[] { SlotOf(n1), SlotOf(n2) }.Order());

        Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(original).Error);
        Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(dup).Error);
        Assert.Equal(WsaError.NotSocket, runtime.DuplicateSocket(dup).Error);

        Assert.Equal(2, runtime.Sockets.Count);
        Assert.True(runtime.Sockets.Contains(n1));
        Assert.True(runtime.Sockets.Contains(n2));
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_OverlappedOfAnOldSocket_IsReadThroughTheOldHandleOnlyAsNotInitialisedThenNotSock()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, _) = TestConnections.Connect(runtime, network);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[4], ov).Error);
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.OperationAborted, ov.Error);

        Assert.Equal(WsaError.NotInitialized, runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.NotSocket, runtime.GetOverlappedResult(s, ov, wait: false).Error);

        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.Equal(0, runtime.Operations.PendingCount);
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> dedicated threads and waits, within the timeout, for all of them.</summary>
    private static Task<T[]> OnThreads<T>(int count, Func<int, T> body)
    {
        var tasks = Enumerable.Range(0, count).Select(t => Task.Factory.StartNew(
            () => body(t),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        return Task.WhenAll(tasks).WaitAsync(TestThreads.WaitLimit, TestContext.Current.CancellationToken);
    }

    /// <summary>The slot of a handle, per the layout <see cref="SocketTable{T}"/> documents (slot in bits 2..21).</summary>
    private static int SlotOf(SocketHandle handle) => (int)((ulong)handle.Value >> 2) & (SocketTable<object>.MaxSlots - 1);
}
