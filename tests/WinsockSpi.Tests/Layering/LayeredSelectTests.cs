using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Layering;

/// <summary>WSPSelect through a layered provider: forwarded with the same sets, seen by the interceptor, ended by the layer's final cleanup.</summary>
public sealed class LayeredSelectTests
{
    [Fact]
    [Trait("Rule", "SLT-1")]
    public void Select_IsForwardedWithTheSameSets_TheInterceptorSeesTheFirstHandleAndTheCount()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        var (a, _) = LayerTestKit.Connect(layer, network);
        var (b, peerB) = LayerTestKit.Connect(layer, network);
        peerB.Write("x"u8);
        List<SocketHandle> read = [a, b];

        var r = layer.Select(read, null, null, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([b], read);
        var (call, result) = Assert.Single(interceptor.CallsOf(WspEntry.Select));
        Assert.Equal(a, call.Socket);
        Assert.Equal(new LayerCallResult(WsaError.Success, true, 1), result);
        Assert.True(WspProcTable.FromProvider(runtime).Without(WspEntry.Select).MissingEntries.SequenceEqual(["Select"]));
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void Select_RefusedByTheInterceptor_IsNotForwarded()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var interceptor = LayerTestKit.Interceptor().Refusing(WspEntry.Select, WsaError.NetworkDown);
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        layer.Startup(WinsockVersion.V2_2, out _);
        var (a, _) = LayerTestKit.Connect(layer, network);
        List<SocketHandle> read = [a];

        Assert.Equal(WsaError.NetworkDown, layer.Select(read, null, null, timeout: null).Error);
        Assert.Equal([a], read);
        Assert.Equal(0, runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLN-5")]
    public void Select_WaitingThroughTheLayer_IsEndedWithInterruptedByTheLayersFinalCleanup()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(runtime);
        layer.Startup(WinsockVersion.V2_2, out _);
        var (a, _) = LayerTestKit.Connect(layer, network);
        var selector = TestThreads.StartBlocked(runtime, () => layer.Select([a], null, null, timeout: null));

        Assert.True(layer.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Interrupted, TestThreads.Join(selector).Error);
        Assert.True(runtime.IsUnloadReady);
    }
}
