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
public partial class CleanupLifecycleConformanceTests
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
}
