using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.Layering;

namespace WinsockSpi.Tests.Conformance;

public partial class LayeringConformanceTests
{
    [Fact]
    [Trait("Rule", "LSP-2")]
    public void LSP2_FailedStartups_NeverDisturbALowerCountAlreadyAboveZero()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, HighestVersion = new WinsockVersion(2, 0), LowestVersion = new WinsockVersion(1, 1) });
        runtime.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(runtime, network);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[4], ov).Error);
        var complete = WspProcTable.FromProvider(runtime);

        // A bogus table: nothing below is started.
        var bogus = new LayeredProvider(complete.Without(WspEntry.Receive));
        Assert.Equal(WsaError.InvalidProcedureTable, bogus.Startup(WinsockVersion.V2_2, out _));

        // A version the layer cannot use: the lower provider is started, then cleaned up once, back to 1, not torn down.
        var picky = new LayeredProvider(complete);
        Assert.Equal(WsaError.ProviderFailedInit, picky.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal((1, 1), (picky.LowerStartups, picky.LowerCleanups));

        // A lower startup that fails (the network is down): the lower count stays as it was.
        network.IsAvailable = false;
        var unlucky = new LayeredProvider(runtime);
        Assert.Equal(WsaError.ProviderFailedInit, unlucky.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.SystemNotReady, unlucky.LastLowerStartupError);
        network.IsAvailable = true;

        Assert.Equal(1, runtime.StartupCount);
        Assert.True(runtime.Sockets.Contains(s));
        Assert.True(ov.IsPending);
        Assert.False(ov.Event!.IsSet);
        Assert.Equal(PeerState.Open, peer.State);
    }

    [Fact]
    [Trait("Rule", "LSP-2")]
    [Trait("Rule", "STA-4")]
    public void LSP2_FailedStartupOfALayerAlreadyStarted_ChangesNoCount()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, _) = LayerTestKit.Connect(layer, network);

        Assert.Equal(WsaError.VersionNotSupported, layer.Startup(new WinsockVersion(1, 1), out _));

        Assert.Equal(1, layer.StartupCount);
        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(1, layer.LowerStartups);
        Assert.True(runtime.Sockets.Contains(s));
    }

    [Fact]
    [Trait("Rule", "LSP-2")]
    public void LSP2_ChainWithABogusTableAtTheBottom_FailsAtEveryLevelAndStartsNothing()
    {
        using var runtime = new ProviderRuntime();
        var middle = new LayeredProvider(WspProcTable.FromProvider(runtime).Without(WspEntry.Cleanup));
        var top = new LayeredProvider(middle);

        Assert.Equal(WsaError.ProviderFailedInit, top.Startup(WinsockVersion.V2_2, out _));

        // The middle layer refused the bogus table; the top layer keeps the middle layer's own code.
        Assert.Equal(WsaError.InvalidProcedureTable, middle.LastLowerStartupError);
        Assert.Equal(WsaError.InvalidProcedureTable, top.LastLowerStartupError);
        Assert.Equal((0, 0, 0), (top.StartupCount, middle.StartupCount, runtime.StartupCount));
    }

    // ---- STA-7 through layers ----

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_Layer_PassesItsOwnUpcallTableDown()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);
        var client = LayerTestKit.Upcalls(runtime.Process);

        layer.Startup(WinsockVersion.V2_2, out _, client);

        Assert.Same(layer.LowerUpcalls, runtime.Upcalls);
        Assert.Same(client, layer.Upcalls);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_Layer_TheMostRecentUpcallTableWinsWithoutStartingTheLowerProviderAgain()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        var first = LayerTestKit.Upcalls(runtime.Process);
        var second = LayerTestKit.Upcalls(runtime.Process);
        layer.Startup(WinsockVersion.V2_2, out _, first);
        var (s, peer) = LayerTestKit.Connect(layer, network);

        layer.Startup(WinsockVersion.V2_2, out _, second);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, layer.Receive(s, new byte[4], ov).Error);
        peer.Write("data"u8);

        Assert.Equal(1, runtime.StartupCount);
        Assert.Same(layer.LowerUpcalls, runtime.Upcalls);
        Assert.Equal((0, 1), (first.Completions(), second.Completions()));
        Assert.True(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_StartupWithoutUpcallTable_KeepsTheOneInUse()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        var client = LayerTestKit.Upcalls(runtime.Process);
        layer.Startup(WinsockVersion.V2_2, out _, client);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);

        layer.Receive(s, new byte[4], new WsaOverlapped(new WsaEvent()));
        peer.Write("data"u8);

        Assert.Same(client, layer.Upcalls);
        Assert.Equal(1, client.Completions());
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    [Trait("Rule", "OVL-4")]
    public void STA7_ThreeLevelChain_CompletionRoutineReachesTheMostRecentTableAndRunsOnTheInitiatingThread()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var middleSaw = LayerTestKit.Interceptor();
        var topSaw = LayerTestKit.Interceptor();
        var middle = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = middleSaw });
        var top = new LayeredProvider(middle, new LayeredProviderOptions { Interceptor = topSaw });
        var first = LayerTestKit.Upcalls(runtime.Process);
        var second = LayerTestKit.Upcalls(runtime.Process);
        top.Startup(WinsockVersion.V2_2, out _, first);
        top.Startup(WinsockVersion.V2_2, out _, second);
        var (s, peer) = LayerTestKit.Connect(top, network);
        int ranOn = 0;
        int thread = Environment.CurrentManagedThreadId;

        Assert.Equal(WsaError.IOPending, top.Receive(s, new byte[4], new WsaOverlapped(), (_, _, _, _) => ranOn = Environment.CurrentManagedThreadId).Error);
        peer.Write("done"u8);

        Assert.Same(middle.LowerUpcalls, runtime.Upcalls);
        Assert.Same(top.LowerUpcalls, middle.Upcalls);
        Assert.Same(second, top.Upcalls);
        Assert.Equal((0, 1), (first.Apcs(), second.Apcs()));
        Assert.Equal(thread, middleSaw.UpcallsOf(LayerUpcallKind.QueueApc).Single().ThreadId);
        Assert.Single(topSaw.UpcallsOf(LayerUpcallKind.QueueApc));
        Assert.Equal(0, ranOn);
        Assert.Equal(1, runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(thread, ranOn);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    [Trait("Rule", "BLK-2")]
    public void STA7_BlockingHookOfTheMostRecentTable_IsWhatABlockedCallThroughTheLayerRuns()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        int firstHook = 0, secondHook = 0;
        layer.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(runtime.Process) { BlockingHook = () => { firstHook++; return false; } });
        layer.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(runtime.Process) { BlockingHook = () => { secondHook++; return false; } });
        var (s, _) = LayerTestKit.Connect(layer, network);

        // The hook is called as soon as the call blocks; returning false cancels the call (BLK-3).
        var result = layer.Receive(s, new byte[4]);

        Assert.Equal(WsaError.Interrupted, result.Error);
        Assert.Equal((0, 1), (firstHook, secondHook));
    }

    // ---- CLN-4 (and its opposite, CLS-2) through a chain ----

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "LSP-1")]
    public void CLN4_FinalCleanupThroughAChain_AbortsPendingIOSilently_NoLayerSeesAnUpcall()
    {
        var network = new SimulatedNetwork();
        var process = new SimulatedProcess(network);
        using var runtime = new ProviderRuntime(new ProviderOptions { Process = process });
        var middleSaw = LayerTestKit.Interceptor();
        var topSaw = LayerTestKit.Interceptor();
        var middle = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = middleSaw });
        var top = new LayeredProvider(middle, new LayeredProviderOptions { Interceptor = topSaw });
        var client = LayerTestKit.Upcalls(process);
        top.Startup(WinsockVersion.V2_2, out _, client);
        var (s1, peer1) = LayerTestKit.Connect(top, network);
        var (s2, peer2) = LayerTestKit.Connect(top, network);
        var withEvent = new WsaOverlapped(new WsaEvent());
        var withRoutine = new WsaOverlapped(new WsaEvent());
        bool routineRan = false;
        Assert.Equal(WsaError.IOPending, top.Receive(s1, new byte[16], withEvent).Error);
        Assert.Equal(WsaError.IOPending, top.Receive(s2, new byte[16], withRoutine, (_, _, _, _) => routineRan = true).Error);
        Assert.Equal(2, runtime.Operations.PendingCount);

        var result = top.Cleanup();

        Assert.True(result.IsSuccess);
        foreach (var saw in new[] { topSaw, middleSaw })
        {
            Assert.Equal([WspEntry.Startup, WspEntry.Socket, WspEntry.Connect, WspEntry.Socket, WspEntry.Connect, WspEntry.Receive, WspEntry.Receive, WspEntry.Cleanup], saw.Calls().Select(c => c.Call.Entry));
            Assert.All(saw.CallsOf(WspEntry.Receive), c => Assert.Equal(WsaError.IOPending, c.Result.Error));
            Assert.True(saw.CallsOf(WspEntry.Cleanup).Single().Result.Forwarded);
            Assert.Empty(saw.UpcallsOf(LayerUpcallKind.CompleteOverlappedRequest));
            Assert.Empty(saw.UpcallsOf(LayerUpcallKind.QueueApc));
        }

        Assert.Equal((0, 0), (client.Completions(), client.Apcs()));
        Assert.Equal(WsaError.OperationAborted, withEvent.Error);
        Assert.Equal(995, (int)withRoutine.Error);
        Assert.False(withEvent.Event!.IsSet);
        Assert.False(withRoutine.Event!.IsSet);
        Assert.Equal(0, process.GetQueuedApcCount(WsaThreadId.Current));
        Assert.Equal(0, process.AlertableWait(TimeSpan.Zero));
        Assert.False(routineRan);
        Assert.Equal((PeerState.Reset, PeerState.Reset), (peer1.State, peer2.State));
        Assert.Equal((0, 0, 0), (top.StartupCount, middle.StartupCount, runtime.StartupCount));
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void CLS2_CloseThroughAChain_AbortsPendingIOWithANotificationEveryLayerSees()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var middleSaw = LayerTestKit.Interceptor();
        var topSaw = LayerTestKit.Interceptor();
        var middle = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = middleSaw });
        var top = new LayeredProvider(middle, new LayeredProviderOptions { Interceptor = topSaw });
        var client = LayerTestKit.Upcalls(runtime.Process);
        top.Startup(WinsockVersion.V2_2, out _, client);
        var (s, _) = LayerTestKit.Connect(top, network);
        var ov = new WsaOverlapped(new WsaEvent());
        top.Receive(s, new byte[16], ov);

        Assert.True(top.CloseSocket(s).IsSuccess);

        foreach (var saw in new[] { topSaw, middleSaw })
        {
            var upcall = saw.UpcallsOf(LayerUpcallKind.CompleteOverlappedRequest).Single();
            Assert.Same(ov, upcall.Overlapped);
            Assert.Equal(WsaError.OperationAborted, upcall.Error);
        }

        Assert.Equal(1, client.Completions());
        Assert.True(ov.Event!.IsSet);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
    }
}
