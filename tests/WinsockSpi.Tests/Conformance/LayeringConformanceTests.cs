using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.Layering;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §9, layered providers (LSP-1, LSP-2), and STA-7 and CLN-4 seen through layers.</summary>
public partial class LayeringConformanceTests
{
    public static TheoryData<WspEntry> AllEntries => [.. Enum.GetValues<WspEntry>()];

    // ---- LSP-1 ----

    [Fact]
    [Trait("Rule", "LSP-1")]
    public void LSP1_FirstStartup_StartsTheLowerProviderOnce()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);

        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(3, layer.StartupCount);
        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(1, layer.LowerStartups);
        Assert.True(layer.IsLowerStarted);
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    [Trait("Rule", "CLN-3")]
    public void LSP1_NonFinalCleanups_LeaveTheLowerProviderStartedAndItsSocketsOpen()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, layer.Receive(s, new byte[4], ov).Error);

        Assert.True(layer.Cleanup().IsSuccess);
        Assert.True(layer.Cleanup().IsSuccess);

        Assert.Equal(1, layer.StartupCount);
        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(0, layer.LowerCleanups);
        Assert.True(ov.IsPending);
        Assert.Equal(PeerState.Open, peer.State);
        peer.Write("ok"u8);
        Assert.Equal(2, ov.BytesTransferred);
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    public void LSP1_FinalCleanup_CleansTheLowerProviderUpExactlyAsManyTimesAsItStartedIt()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);
        for (int i = 0; i < 3; i++)
        {
            layer.Startup(WinsockVersion.V2_2, out _);
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.True(layer.Cleanup().IsSuccess);
        }

        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(layer.LowerStartups, layer.LowerCleanups);
        Assert.Equal(1, layer.LowerCleanups);
        Assert.True(runtime.IsUnloadReady);
        Assert.False(layer.IsLowerStarted);
        Assert.Equal(WsaError.NotInitialized, layer.Cleanup().Error);
        Assert.Equal(1, layer.LowerCleanups);
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    public void LSP1_EveryNewFirstStartup_StartsTheLowerProviderAgain()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);

        for (int cycle = 1; cycle <= 4; cycle++)
        {
            layer.Startup(WinsockVersion.V2_2, out _);
            layer.Startup(WinsockVersion.V2_2, out _);
            Assert.Equal(1, runtime.StartupCount);
            layer.Cleanup();
            layer.Cleanup();
            Assert.Equal(0, runtime.StartupCount);
            Assert.Equal((cycle, cycle), (layer.LowerStartups, layer.LowerCleanups));
        }
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    public void LSP1_ThreeLevelChain_EachLevelStartsAndCleansUpTheOneBelowOnce()
    {
        using var runtime = new ProviderRuntime();
        var middle = new LayeredProvider(runtime);
        var top = new LayeredProvider(middle);

        top.Startup(WinsockVersion.V2_2, out _);
        top.Startup(WinsockVersion.V2_2, out _);
        Assert.Equal((2, 1, 1), (top.StartupCount, middle.StartupCount, runtime.StartupCount));

        top.Cleanup();
        Assert.Equal((1, 1, 1), (top.StartupCount, middle.StartupCount, runtime.StartupCount));
        top.Cleanup();

        Assert.Equal((0, 0, 0), (top.StartupCount, middle.StartupCount, runtime.StartupCount));
        Assert.Equal((1, 1), (top.LowerStartups, top.LowerCleanups));
        Assert.Equal((1, 1), (middle.LowerStartups, middle.LowerCleanups));
        Assert.True(runtime.IsUnloadReady);
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    public void LSP1_SharedBaseProvider_LayerCleansUpOnlyWhatItStarted()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        runtime.Startup(WinsockVersion.V2_2, out _);
        var (appSocket, appPeer) = LayerTestKit.Connect(runtime, network);
        var layer = new LayeredProvider(runtime);

        layer.Startup(WinsockVersion.V2_2, out _);
        Assert.Equal(2, runtime.StartupCount);
        layer.Cleanup();

        Assert.Equal(1, runtime.StartupCount);
        Assert.True(runtime.Sockets.Contains(appSocket));
        Assert.Equal(PeerState.Open, appPeer.State);
        Assert.Equal((1, 1), (layer.LowerStartups, layer.LowerCleanups));
    }

    [Fact]
    [Trait("Rule", "LSP-1")]
    public async Task LSP1_ConcurrentStartupsAndCleanups_StartTheLowerProviderOncePerFirstStartup()
    {
        using var runtime = new ProviderRuntime();
        int lowerCount = 0, overlap = 0;
        var watched = Substitute.For<IWspProvider>();
        watched.Startup(default, out _, default).ReturnsForAnyArgs(call =>
        {
            if (Interlocked.Increment(ref lowerCount) != 1)
            {
                Interlocked.Increment(ref overlap);
            }

            var error = runtime.Startup(call.ArgAt<WinsockVersion>(0), out var data, call.ArgAt<IUpcalls?>(2));
            call[1] = data;
            return error;
        });
        watched.Cleanup().Returns(_ =>
        {
            Interlocked.Decrement(ref lowerCount);
            return runtime.Cleanup();
        });
        var layer = new LayeredProvider(watched);
        const int Threads = 4, Rounds = 2_000;

        var workers = Enumerable.Range(0, Threads).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
                Assert.True(runtime.StartupCount == 1, "The lower provider is held started exactly once while the layer is started.");
                Assert.True(layer.Cleanup().IsSuccess);
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, overlap);
        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(layer.LowerStartups, layer.LowerCleanups);
        Assert.InRange(layer.LowerStartups, 1, Threads * Rounds);
    }

    // ---- LSP-2 ----

    [Theory]
    [MemberData(nameof(AllEntries))]
    [Trait("Rule", "LSP-2")]
    public void LSP2_LowerTableWithAMissingEntry_FailsStartupWithInvalidProcTableAndStartsNothing(WspEntry missing)
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(WspProcTable.FromProvider(runtime).Without(missing));

        var error = layer.Startup(WinsockVersion.V2_2, out var data);

        Assert.Equal(WsaError.InvalidProcedureTable, error);
        Assert.Equal(10104, (int)error);
        Assert.Equal(default, data);
        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(0, layer.LowerStartups);
        Assert.Equal(WsaError.InvalidProcedureTable, layer.LastLowerStartupError);
        Assert.Equal(WsaError.NotInitialized, layer.Cleanup().Error);
    }

    [Fact]
    [Trait("Rule", "LSP-2")]
    public void LSP2_LowerStartupFails_FailsWithProviderFailedInitAndKeepsTheLowerCode()
    {
        var network = new SimulatedNetwork { IsAvailable = false };
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);

        var error = layer.Startup(WinsockVersion.V2_2, out var data);

        Assert.Equal(WsaError.ProviderFailedInit, error);
        Assert.Equal(10106, (int)error);
        Assert.Equal(WsaError.SystemNotReady, layer.LastLowerStartupError);
        Assert.Equal(default, data);
        Assert.Equal((0, 0, 0), (layer.StartupCount, layer.LowerStartups, runtime.StartupCount));

        network.IsAvailable = true;
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, layer.LastLowerStartupError);
        Assert.Equal(1, runtime.StartupCount);
    }

    [Fact]
    [Trait("Rule", "LSP-2")]
    [Trait("Rule", "STA-5")]
    public void LSP2_LowerVersionBelowTheLayers_CleansTheLowerProviderUpOnceAndFails()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { LowestVersion = new WinsockVersion(1, 1), HighestVersion = new WinsockVersion(2, 0) });
        var layer = new LayeredProvider(runtime);

        var error = layer.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(WsaError.ProviderFailedInit, error);
        Assert.Equal(WsaError.VersionNotSupported, layer.LastLowerStartupError);
        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal((1, 1), (layer.LowerStartups, layer.LowerCleanups));
        Assert.True(runtime.IsUnloadReady);
    }
}
