using System.Net;
using System.Net.Sockets;
using WinsockSpi.Layering;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.Layering;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>The Ws2 layer's datagram calls (sendto, recvfrom, WSASendTo, WSARecvFrom) and the layered provider's forwarding of them.</summary>
public sealed class Ws2DatagramTests : IDisposable
{
    private readonly Ws2TestKit _kit = new();

    private Ws2Api Ws2 => _kit.Api;

    public void Dispose() => _kit.Dispose();

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void SendtoAndRecvfrom_CarryOneMessageAndItsSource_LikeTheCCalls()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        using var peer = _kit.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        nuint s = Ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        Assert.NotEqual(INVALID_SOCKET, s);

        Assert.Equal(SOCKET_ERROR, Ws2.sendto(s, "x"u8.ToArray(), 1, 0, null));
        Assert.Equal(WSAEDESTADDRREQ, Ws2.WSAGetLastError());
        Assert.Equal(4, Ws2.sendto(s, "ping"u8.ToArray(), 4, 0, peer.LocalEndPoint));
        var got = peer.Receive()!;
        Assert.Equal("ping"u8.ToArray(), got.Data);

        Assert.True(peer.SendTo("pong!"u8, got.Source));
        var buffer = new byte[16];
        var from = new SourceAddress();
        Assert.Equal(5, Ws2.recvfrom(s, buffer, buffer.Length, 0, from));
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.True(peer.SendTo("toolong"u8, got.Source));
        Assert.Equal(SOCKET_ERROR, Ws2.recvfrom(s, buffer, 3, 0, from));
        Assert.Equal(WSAEMSGSIZE, Ws2.WSAGetLastError());
        Assert.Equal("too"u8.ToArray(), buffer[..3]);
        Assert.Equal(0, Ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "DGM-5")]
    public void WSASendToAndWSARecvFrom_Overlapped_CompleteAndNotify()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        using var peer = _kit.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        nuint s = Ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        var sendOv = new WsaOverlapped(new WsaEvent());
        int sent = -7;

        Assert.Equal(0, Ws2.WSASendTo(s, "abc"u8.ToArray(), ref sent, 0, peer.LocalEndPoint, sendOv, null));
        Assert.Equal(3, sent);
        Assert.True(sendOv.Event!.IsSet);

        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[8];
        var from = new SourceAddress();
        int received = -7, flags = 0, transferred = 0, outFlags = 0;
        Assert.Equal(SOCKET_ERROR, Ws2.WSARecvFrom(s, buffer, ref received, ref flags, from, ov, null));
        Assert.Equal(WSA_IO_PENDING, Ws2.WSAGetLastError());
        Assert.Equal(-7, received);
        Assert.True(peer.SendTo("hello"u8, peer.Receive()!.Source));

        Assert.True(ev.IsSet);
        Assert.True(Ws2.WSAGetOverlappedResult(s, ov, ref transferred, false, ref outFlags));
        Assert.Equal(5, transferred);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(0, Ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "DGM-5")]
    public void WSACleanup_WithAWSARecvFromPending_AbortsItWith995_AndSetsNoEvent()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = Ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        Assert.Equal(0, Ws2.bind(s, new IPEndPoint(IPAddress.Loopback, 0)));
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        int received = 0, flags = 0;
        Assert.Equal(SOCKET_ERROR, Ws2.WSARecvFrom(s, new byte[8], ref received, ref flags, new SourceAddress(), ov, null));
        Assert.Equal(WSA_IO_PENDING, Ws2.WSAGetLastError());

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(995, (int)ov.Error);
        Assert.Equal(OperationStatus.Aborted, ov.Status);
        Assert.False(ev.IsSet);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "DGM-5")]
    public void LayeredProvider_ForwardsSendToAndReceiveFrom_AndItsFinalCleanupAbortsTheReceiveSilently()
    {
        using var runtime = new ProviderRuntime();
        var interceptor = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        var upcalls = LayerTestKit.Upcalls(runtime.Process);
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _, upcalls));
        using var peer = runtime.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = layer.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();

        Assert.Equal(2, layer.SendTo(s, "hi"u8.ToArray(), peer.LocalEndPoint).ThrowIfFailed());
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, layer.ReceiveFrom(s, new byte[8], new SourceAddress(), ov).Error);

        Assert.True(layer.Cleanup().IsSuccess);

        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ev.IsSet);
        Assert.Equal(0, LayerTestKit.Completions(upcalls));
        Assert.Equal(2, interceptor.CallsOf(WspEntry.SendTo).Single().Result.Bytes);
        Assert.Equal(WsaError.IOPending, interceptor.CallsOf(WspEntry.ReceiveFrom).Single().Result.Error);
        Assert.Equal("hi"u8.ToArray(), peer.Receive()!.Data);
    }
}
