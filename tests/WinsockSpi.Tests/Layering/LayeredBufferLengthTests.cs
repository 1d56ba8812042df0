using System.Net;
using System.Net.Sockets;
using WinsockSpi.Layering;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Layering;

/// <summary>
/// Arrays of buffers whose lengths add up to more than <see cref="int.MaxValue"/>, through a layered provider: the layer
/// forwards them and gives the lower provider's Winsock error, as the base provider does on its own, never an exception.
/// </summary>
/// <remarks>The array is <see cref="BufferArrays.LongerThanIntMaxValue"/>: 2 GiB of views over 1 MiB.</remarks>
public sealed class LayeredBufferLengthTests
{
    [Fact]
    [Trait("Rule", "DGM-1")]
    [Trait("Rule", "EXT-5")]
    public void SendToBuffers_LongerThanIntMaxValueInAll_GivesMsgSizeThroughTheLayer_AsTheBaseProviderDoes()
    {
        var huge = BufferArrays.LongerThanIntMaxValue();
        Assert.True(WsaBuf.TotalLength64(huge) > int.MaxValue);
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = LayerTestKit.Started(runtime, interceptor);
        using var peer = runtime.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = LayerTestKit.BoundDatagram(layer);

        var direct = runtime.SendToBuffers(s, huge, peer.LocalEndPoint);
        var layered = layer.SendToBuffers(s, huge, peer.LocalEndPoint); // was an OverflowException from the checked total
        var layeredOverlapped = layer.SendToBuffers(s, huge, peer.LocalEndPoint, new WsaOverlapped());

        Assert.Equal(WsaError.MessageSize, direct.Error);
        Assert.Equal(direct.Error, layered.Error);
        Assert.Equal(direct.Error, layeredOverlapped.Error);
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, runtime.Operations.PendingCount);
        var calls = interceptor.CallsOf(WspEntry.SendToBuffers);
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(int.MaxValue, c.Call.Length)); // the total, saturated: LayerCall.Length is an int
        Assert.All(calls, c => Assert.Equal((WsaError.MessageSize, true), (c.Result.Error, c.Result.Forwarded)));
        Assert.True(layer.Cleanup().IsSuccess);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    [Trait("Rule", "EXT-5")]
    public void ReceiveFromBuffersAndReceiveBuffers_LongerThanIntMaxValueInAll_ReceiveThroughTheLayer_AsTheBaseProviderDoes()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = LayerTestKit.Started(runtime, interceptor);
        using var peer = runtime.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = LayerTestKit.BoundDatagram(layer);
        var address = layer.GetSockName(s).ThrowIfFailed();
        Assert.True(peer.SendTo("base"u8, address));
        Assert.True(peer.SendTo("layer"u8, address));
        Assert.True(peer.SendTo("again"u8, address));
        var from = new SourceAddress();
        var huge = BufferArrays.LongerThanIntMaxValue();

        Assert.Equal(4, runtime.ReceiveFromBuffers(s, huge, from).Value); // the base provider, for comparison
        Assert.Equal("base"u8.ToArray(), huge[0].Buffer.Span[..4].ToArray());
        from.Clear();
        Assert.Equal(5, layer.ReceiveFromBuffers(s, huge, from).Value);
        Assert.Equal("layer"u8.ToArray(), huge[0].Buffer.Span[..5].ToArray());
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(5, layer.ReceiveBuffers(s, huge, SocketFlags.None).Value);
        Assert.Equal("again"u8.ToArray(), huge[0].Buffer.Span[..5].ToArray());

        Assert.Equal(int.MaxValue, Assert.Single(interceptor.CallsOf(WspEntry.ReceiveFromBuffers)).Call.Length);
        Assert.Equal(int.MaxValue, Assert.Single(interceptor.CallsOf(WspEntry.ReceiveBuffers)).Call.Length);
        Assert.True(layer.Cleanup().IsSuccess);
    }
}
