using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests;

public class SmokeTests
{
    [Fact]
    public void EndToEnd()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, SendBufferSize = 4 });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out var data));
        Assert.Equal(WinsockVersion.V2_2, data.Version);
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 5000));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();

        var buffer = new byte[16];
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var r = runtime.Receive(s, buffer, ov);
        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(1, runtime.Operations.PendingCount);
        peer.Write("hello"u8);
        Assert.True(ev.IsSet);
        Assert.Equal(5, ov.BytesTransferred);
        Assert.Equal(5, runtime.GetOverlappedResult(s, ov, false).Value);

        var sendOv = new WsaOverlapped(new WsaEvent());
        var sr = runtime.Send(s, "abcdefgh"u8.ToArray(), sendOv);
        Assert.Equal(WsaError.IOPending, sr.Error);
        var got = new byte[8];
        Assert.Equal(4, peer.Read(got));
        Assert.Equal(4, peer.Read(got.AsSpan(4)));
        Assert.True(sendOv.IsCompleted);
        Assert.Equal("abcdefgh"u8.ToArray(), got);

        var ov2 = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, buffer, ov2).Error);
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.Equal(WsaError.OperationAborted, ov2.Error);
        Assert.False(ov2.Event!.IsSet);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.True(runtime.IsUnloadReady);
        runtime.ValidateInvariants();
    }
}
