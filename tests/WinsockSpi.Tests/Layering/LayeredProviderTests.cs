using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Layering;

public class LayeredProviderTests
{
    [Fact]
    public void Startup_NegotiatesItsOwnVersionRange()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions
        {
            LowestVersion = new WinsockVersion(2, 0),
            HighestVersion = WinsockVersion.V2_2,
            Description = "counting layer",
        });

        Assert.Equal(WsaError.VersionNotSupported, layer.Startup(new WinsockVersion(1, 1), out var refused));
        Assert.Equal(default, refused);
        Assert.Equal(0, runtime.StartupCount);

        Assert.Equal(WsaError.Success, layer.Startup(new WinsockVersion(2, 0), out var low));
        Assert.Equal(new WinsockVersion(2, 0), low.Version);
        Assert.Equal(WinsockVersion.V2_2, low.HighVersion);
        Assert.Equal("counting layer", low.Description);

        Assert.Equal(WsaError.Success, layer.Startup(new WinsockVersion(3, 0), out var high));
        Assert.Equal(WinsockVersion.V2_2, high.Version);
        Assert.Equal(2, layer.StartupCount);
    }

    [Fact]
    public void Startup_AsksTheLowerProviderForTheLayersHighestVersion()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { LowestVersion = new WinsockVersion(1, 1) });
        var layer = new LayeredProvider(runtime);

        Assert.Equal(WsaError.Success, layer.Startup(new WinsockVersion(2, 2), out _));

        Assert.Equal(WinsockVersion.V2_2, layer.LowerData.Version);
    }

    [Fact]
    public void Description_LongerThan255Characters_IsCut()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Description = new string('x', 300) });

        layer.Startup(WinsockVersion.V2_2, out var data);

        Assert.Equal(Winsock.DescriptionMaxLength, data.Description.Length);
    }

    [Fact]
    public void Options_LowestAboveHighest_Throws()
    {
        using var runtime = new ProviderRuntime();

        Assert.Throws<ArgumentException>(() => new LayeredProvider(runtime, new LayeredProviderOptions { LowestVersion = new WinsockVersion(3, 0) }));
    }

    [Fact]
    public void Constructors_RejectNull()
    {
        Assert.Throws<ArgumentNullException>(() => new LayeredProvider((IWspProvider)null!));
        Assert.Throws<ArgumentNullException>(() => new LayeredProvider((WspProcTable)null!));
        Assert.Throws<ArgumentNullException>(() => new LayeredProvider((Func<WspProcTable>)null!));
    }

    [Fact]
    public void ProviderId_IsTheConfiguredOneOrANewOne()
    {
        using var runtime = new ProviderRuntime();
        var id = Guid.NewGuid();

        Assert.Equal(id, new LayeredProvider(runtime, new LayeredProviderOptions { ProviderId = id }).ProviderId);
        Assert.NotEqual(Guid.Empty, new LayeredProvider(runtime).ProviderId);
        Assert.NotEqual(new LayeredProvider(runtime).ProviderId, new LayeredProvider(runtime).ProviderId);
    }

    [Fact]
    public void Calls_AreForwardedAndHandlesPassThroughUnchanged()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);

        var (s, peer) = LayerTestKit.Connect(layer, network);
        var dup = layer.DuplicateSocket(s).ThrowIfFailed();

        Assert.True(runtime.Sockets.Contains(s));
        Assert.True(runtime.Sockets.Contains(dup));
        Assert.Equal(runtime.GetSockName(s).Value, layer.GetSockName(s).Value);
        Assert.Equal(runtime.GetPeerName(s).Value, layer.GetPeerName(s).Value);
        Assert.Equal(5, layer.Send(s, "hello"u8.ToArray()).Value);
        Assert.Equal("hello"u8.ToArray(), peer.ReadAvailable());
        peer.Write("hi"u8);
        var buffer = new byte[8];
        Assert.Equal(2, layer.Receive(s, buffer).Value);
        Assert.True(layer.CloseSocket(dup).IsSuccess);
        Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(dup).Error);
        Assert.True(layer.CloseSocket(s).IsSuccess);
        Assert.Equal(0, runtime.Sockets.Count);
    }

    [Fact]
    public void Calls_WhileTheLayerIsNotStarted_FailWithNotInitialisedEvenWhenTheLowerProviderIsStarted()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        runtime.Startup(WinsockVersion.V2_2, out _);
        var (s, _) = LayerTestKit.Connect(runtime, network);
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });

        Assert.Equal(WsaError.NotInitialized, layer.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
        Assert.Equal(WsaError.NotInitialized, layer.Send(s, new byte[1]).Error);
        Assert.Equal(WsaError.NotInitialized, layer.CloseSocket(s).Error);
        Assert.Equal(WsaError.NotInitialized, layer.CancelBlockingCall().Error);

        Assert.True(runtime.Sockets.Contains(s));
        Assert.All(interceptor.Calls(), c => Assert.False(c.Result.Forwarded));
        Assert.Equal(4, interceptor.Calls().Count);
    }

    [Fact]
    public void Interceptor_SeesEachCallBeforeAndAfterWithItsOutcome()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);

        layer.Send(s, new byte[7]);
        peer.Write("abc"u8);
        layer.Receive(s, new byte[10]);
        layer.Cleanup();

        var entries = interceptor.Calls().Select(c => c.Call.Entry).ToArray();
        Assert.Equal([WspEntry.Startup, WspEntry.Socket, WspEntry.Connect, WspEntry.Send, WspEntry.Receive, WspEntry.Cleanup], entries);
        Assert.Equal(interceptor.Calls().Count, interceptor.CallingCount());
        var socketCall = interceptor.CallsOf(WspEntry.Socket).Single();
        Assert.Equal(s, socketCall.Result.NewSocket);
        var send = interceptor.CallsOf(WspEntry.Send).Single();
        Assert.Equal((s, 7, 7, true), (send.Call.Socket, send.Call.Length, send.Result.Bytes, send.Result.Forwarded));
        var receive = interceptor.CallsOf(WspEntry.Receive).Single();
        Assert.Equal((10, 3), (receive.Call.Length, receive.Result.Bytes));
        Assert.All(interceptor.Calls(), c => Assert.Same(layer, c.Call.Layer));
        Assert.True(interceptor.CallsOf(WspEntry.Cleanup).Single().Result.Forwarded);
        Assert.True(interceptor.CallsOf(WspEntry.Startup).Single().Result.Forwarded);
    }

    [Fact]
    public void Interceptor_SeesOnlyTheFirstStartupAndTheFinalCleanupForwarded()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });

        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Cleanup();
        layer.Cleanup();

        Assert.Equal([true, false, false, true], interceptor.Calls().Select(c => c.Result.Forwarded));
    }

    [Fact]
    public void Interceptor_RefusingACall_FailsItWithoutForwarding()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var interceptor = LayerTestKit.Interceptor().Refusing(WspEntry.Send, WsaError.AccessDenied);
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);

        var result = layer.Send(s, "secret"u8.ToArray());

        Assert.Equal(WsaError.AccessDenied, result.Error);
        Assert.Equal(0, peer.Available);
        Assert.False(interceptor.CallsOf(WspEntry.Send).Single().Result.Forwarded);
        Assert.Equal(WsaError.AccessDenied, interceptor.CallsOf(WspEntry.Send).Single().Result.Error);
    }

    [Fact]
    public void Interceptor_RefusingStartup_ChangesNoCount()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor().Refusing(WspEntry.Startup, WsaError.SystemNotReady);
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });

        Assert.Equal(WsaError.SystemNotReady, layer.Startup(WinsockVersion.V2_2, out var data));

        Assert.Equal(default, data);
        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, layer.LowerStartups);
        Assert.Equal(0, runtime.StartupCount);
    }

    [Fact]
    public void Interceptor_RefusingCleanup_KeepsTheCount()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        interceptor.Refusing(WspEntry.Cleanup, WsaError.InProgress);

        Assert.Equal(WsaError.InProgress, layer.Cleanup().Error);

        Assert.Equal(1, layer.StartupCount);
        Assert.Equal(1, runtime.StartupCount);
    }

    [Fact]
    public void Cleanup_WithCountZero_FailsWithNotInitialised()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);

        Assert.Equal(WsaError.NotInitialized, layer.Cleanup().Error);
        Assert.Equal(0, layer.LowerCleanups);
    }

    [Fact]
    public void LowerTableFactory_IsCalledOncePerFirstStartup()
    {
        using var runtime = new ProviderRuntime();
        int loads = 0;
        var layer = new LayeredProvider(() =>
        {
            loads++;
            return WspProcTable.FromProvider(runtime);
        });

        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Cleanup();
        layer.Cleanup();
        layer.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(2, loads);
        Assert.Equal(2, layer.LowerStartups);
        Assert.Equal(1, layer.LowerCleanups);
    }

    [Fact]
    public void LowerTableFactory_ThatThrows_PropagatesAndChangesNothing()
    {
        var layer = new LayeredProvider(() => throw new InvalidOperationException("cannot load"));

        Assert.Throws<InvalidOperationException>(() => layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(0, layer.StartupCount);
    }

    [Fact]
    public void Upcalls_BeforeAnyTableIsGiven_GoToTheProcesssOwnTable()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, layer.Receive(s, new byte[4], ov).Error);
        peer.Write("ok"u8);

        Assert.Null(layer.Upcalls);
        Assert.Same(runtime.Process, layer.Process);
        Assert.True(ov.Event!.IsSet);
        Assert.Equal(2, ov.BytesTransferred);
    }

    [Fact]
    public void Upcalls_WithNoClientTableAndNoProcess_StillSetTheEvent()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(WspProcTable.FromProvider(runtime));
        layer.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = LayerTestKit.Connect(layer, network);
        var ov = new WsaOverlapped(new WsaEvent());

        layer.Receive(s, new byte[4], ov);
        peer.Write("ok"u8);

        Assert.Null(layer.Process);
        Assert.True(ov.Event!.IsSet);
    }

    [Fact]
    public void ProcessTermination_DropsTheLayersCountWithoutCleaningUpTheLowerProvider()
    {
        var network = new SimulatedNetwork();
        var process = new SimulatedProcess(network);
        var runtime = new ProviderRuntime(new ProviderOptions { Process = process });
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (_, peer) = LayerTestKit.Connect(layer, network);

        process.Terminate();

        Assert.Equal(0, layer.StartupCount);
        Assert.False(layer.IsLowerStarted);
        Assert.Equal(0, layer.LowerCleanups);
        Assert.Empty(interceptor.CallsOf(WspEntry.Cleanup));
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.NotInitialized, layer.Cleanup().Error);
    }

    [Fact]
    public void ProcessTermination_OfTheLayersProcess_LeavesItUsableOverALowerProviderThatSurvives()
    {
        var network = new SimulatedNetwork();
        using var survivor = new ProviderRuntime(new ProviderOptions { Network = network });
        var dying = new SimulatedProcess(network);
        var layer = new LayeredProvider(WspProcTable.FromProvider(survivor), new LayeredProviderOptions { Process = dying });
        layer.Startup(WinsockVersion.V2_2, out _);

        dying.Terminate();

        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(1, survivor.StartupCount);
        Assert.Equal(WsaError.NotInitialized, layer.Cleanup().Error);
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal((2, 0), (layer.LowerStartups, layer.LowerCleanups));
        Assert.True(layer.Cleanup().IsSuccess);
        Assert.Equal(1, survivor.StartupCount);
    }

    [Fact]
    public void Logging_LowerStartupsFailuresAndCleanups_AreDebugWithStableIds()
    {
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        using var old = new ProviderRuntime(new ProviderOptions { LowestVersion = new WinsockVersion(1, 1), HighestVersion = new WinsockVersion(2, 0) });
        var options = new LayeredProviderOptions { LoggerFactory = factory };

        new LayeredProvider(WspProcTable.FromProvider(runtime).Without(WspEntry.Send), options).Startup(WinsockVersion.V2_2, out _);
        network.IsAvailable = false;
        new LayeredProvider(runtime, options).Startup(WinsockVersion.V2_2, out _);
        network.IsAvailable = true;
        new LayeredProvider(old, options).Startup(WinsockVersion.V2_2, out _);
        var layer = new LayeredProvider(runtime, options);
        layer.Startup(WinsockVersion.V2_2, out _);
        layer.Cleanup();

        var records = logs.GetSnapshot().Where(r => r.Category == "WinsockSpi.Layering").ToArray();
        Assert.Equal([6002, 6003, 6005, 6001, 6004], records.Select(r => r.Id.Id));
        Assert.All(records, r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.Contains("Send", records[0].Message, StringComparison.Ordinal);
        Assert.Contains("WSASYSNOTREADY", records[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ShowsTheCounts()
    {
        using var runtime = new ProviderRuntime();
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);

        Assert.Contains("count 1, lower started 1, cleaned up 0", layer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_WithOwnsLowerProvider_UnloadsTheLayerAndDisposesTheLower()
    {
        var lower = new ProviderRuntime();
        var layer = new LayeredProvider(lower, new LayeredProviderOptions { OwnsLowerProvider = true });
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));

        layer.Dispose();
        layer.Dispose(); // idempotent

        Assert.Equal(0, layer.StartupCount);
        Assert.Throws<ObjectDisposedException>(() => layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Throws<ObjectDisposedException>(() => lower.Startup(WinsockVersion.V2_2, out _));
    }

    [Fact]
    public void Dispose_WithoutOwnership_LeavesTheLowerProviderUsable()
    {
        using var lower = new ProviderRuntime();
        var layer = new LayeredProvider(lower);
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));

        layer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, lower.Startup(WinsockVersion.V2_2, out _));
        Assert.True(lower.Cleanup().IsSuccess);
    }
}
