using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// SEMANTICS.md section 3, Cleanup: the reference-count side (CLN-1..3) and the handle side of the restart (CLN-10).
/// </summary>
public class CleanupLifecycleConformanceTests
{
    public static TheoryData<string> HandleCalls => SpiCallCatalog.HandleCallData;

    [Fact]
    [Trait("Rule", "CLN-1")]
    public void CLN1_SuccessfulCleanup_ReturnsZero()
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));

        var result = runtime.Cleanup();

        Assert.True(result.IsSuccess);
        Assert.Equal(WsaError.Success, result.Error);
        Assert.Equal(0, result.ReturnValue);
    }

    [Fact]
    [Trait("Rule", "CLN-1")]
    public void CLN1_FailedCleanup_ReturnsSocketErrorWithAnErrno()
    {
        using var runtime = new ProviderRuntime();

        var result = runtime.Cleanup();

        Assert.False(result.IsSuccess);
        Assert.Equal(Winsock.SocketError, result.ReturnValue);
        Assert.Equal(WsaError.NotInitialized, result.Error);
    }

    [Fact]
    [Trait("Rule", "CLN-1")]
    public void CLN1_CleanupWithNetworkDown_ReturnsSocketErrorWithNetDown()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        network.IsAvailable = false;

        var result = runtime.Cleanup();

        Assert.Equal(Winsock.SocketError, result.ReturnValue);
        Assert.Equal(WsaError.NetworkDown, result.Error);
    }

    [Fact]
    [Trait("Rule", "CLN-2")]
    public void CLN2_CleanupNeverStarted_FailsWithNotInitialisedAndChangesNothing()
    {
        using var runtime = new ProviderRuntime();

        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);
        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);

        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(1, runtime.StartupCount);
    }

    [Fact]
    [Trait("Rule", "CLN-2")]
    public void CLN2_ExtraCleanupAfterFinal_DoesNotDriveTheCountBelowZero()
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);
        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);

        // One startup now needs exactly one cleanup: the failed ones left no debt behind.
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(1, runtime.StartupCount);
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(runtime.Sockets.Contains(s));
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.Equal(0, runtime.Sockets.Count);
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLN-2")]
    public void CLN2_ExtraCleanupInOneProcess_LeavesAnotherProcessAlone()
    {
        var network = new SimulatedNetwork();
        using var busy = new ProviderRuntime(new ProviderOptions { Network = network });
        using var idle = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, busy.Startup(WinsockVersion.V2_2, out _));
        var s = busy.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.NotInitialized, idle.Cleanup().Error);

        Assert.Equal(1, busy.StartupCount);
        Assert.True(busy.Sockets.Contains(s));
        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "CLN-1")]
    [Trait("Rule", "CLN-2")]
    [Trait("Rule", "STA-4")]
    public async Task CLN2_CleanupStormFromManyThreads_EndsAtZeroWithExactlyOneSuccessPerStartup()
    {
        const int Threads = 8;
        const int Startups = 1000;
        const int Cleanups = 1200;
        using var runtime = new ProviderRuntime();
        using var barrier = new Barrier(Threads);

        int[] startupFailures = await OnThreads(Threads, t =>
        {
            TestThreads.Meet(barrier);
            int failed = 0;
            for (int i = t; i < Startups; i += Threads)
            {
                failed += runtime.Startup(WinsockVersion.V2_2, out _) == WsaError.Success ? 0 : 1;
            }

            return failed;
        });
        Assert.All(startupFailures, f => Assert.Equal(0, f));
        Assert.Equal(Startups, runtime.StartupCount);
        var sockets = Enumerable.Range(0, 10)
            .Select(_ => runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed())
            .ToArray();

        var outcomes = await OnThreads(Threads, t =>
        {
            TestThreads.Meet(barrier);
            var counts = new Dictionary<WsaError, int>();
            for (int i = t; i < Cleanups; i += Threads)
            {
                var error = runtime.Cleanup().Error;
                counts[error] = counts.GetValueOrDefault(error) + 1;
            }

            return counts;
        });

        var total = outcomes.SelectMany(c => c).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        Assert.Equal(new Dictionary<WsaError, int> { [WsaError.Success] = Startups, [WsaError.NotInitialized] = Cleanups - Startups }, total);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(0, runtime.Sockets.Count);
        Assert.All(sockets, s => Assert.False(runtime.Sockets.Contains(s)));
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLN-3")]
    [Trait("Rule", "CLN-10")]
    [Trait("Rule", "STA-4")]
    public async Task CLN3_TwoThreadsStartingAndCleaningUpConcurrently_KeepTheBookkeepingConsistent()
    {
        const int Iterations = 300;
        const int SocketsPerIteration = 3;
        using var runtime = new ProviderRuntime();

        string? Worker()
        {
            var handles = new SocketHandle[SocketsPerIteration];
            for (int i = 0; i < Iterations; i++)
            {
                var started = runtime.Startup(WinsockVersion.V2_2, out _);
                if (started != WsaError.Success)
                {
                    return $"iteration {i}: startup gave {started.ToSymbol()}";
                }

                runtime.ValidateInvariants();
                for (int k = 0; k < SocketsPerIteration; k++)
                {
                    var created = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    if (!created.IsSuccess)
                    {
                        return $"iteration {i}: socket gave {created.Error.ToSymbol()}";
                    }

                    handles[k] = created.Value;
                    runtime.ValidateInvariants();
                }

                for (int k = 0; k < SocketsPerIteration; k++)
                {
                    // Only this thread's own cleanup could end its sockets, and it has not run yet (CLN-3).
                    var closed = runtime.CloseSocket(handles[k]).Error;
                    if (closed != WsaError.Success)
                    {
                        return $"iteration {i}: close gave {closed.ToSymbol()}";
                    }

                    runtime.ValidateInvariants();
                }

                var cleaned = runtime.Cleanup().Error;
                if (cleaned != WsaError.Success)
                {
                    return $"iteration {i}: cleanup gave {cleaned.ToSymbol()}";
                }

                runtime.ValidateInvariants();
            }

            return null;
        }

        var first = Task.Run(Worker);
        var second = Task.Run(Worker);

        string?[] problems = await Task.WhenAll(first, second).WaitAsync(TestThreads.WaitLimit, TestContext.Current.CancellationToken);

        Assert.Equal([null, null], problems);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(0, runtime.Sockets.Count);
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLN-3")]
    public void CLN3_NonFinalCleanup_OnlyDecrementsTheCount()
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var a = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var b = runtime.Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
        var dup = runtime.DuplicateSocket(a).ThrowIfFailed();
        Assert.True(runtime.SetLinger(a, enabled: true, seconds: 7).IsSuccess);

        Assert.True(runtime.Cleanup().IsSuccess);

        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(3, runtime.Sockets.Count);
        Assert.True(runtime.Sockets.TryGetInfo(a, out var info));
        Assert.Equal(new LingerState(true, 7), info.Linger);
        Assert.Equal(2, info.HandleCount);
        Assert.True(runtime.Sockets.Contains(b));
        Assert.True(runtime.Sockets.Contains(dup));
        Assert.True(runtime.SetBlocking(b, blocking: false).IsSuccess);
        Assert.False(runtime.IsUnloadReady);
    }

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
