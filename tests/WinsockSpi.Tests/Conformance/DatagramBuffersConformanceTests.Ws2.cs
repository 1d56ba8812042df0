using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Ws2;
using static WinsockSpi.Tests.TestKit.TestThreads;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Conformance;

/// <summary>EXT-5 for datagrams through the Ws2 layer: WSASendTo and WSARecvFrom with arrays of WSABUF.</summary>
public sealed partial class DatagramBuffersConformanceTests
{
    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-2")]
    public void EXT5_Ws2_WSASendToAndWSARecvFromWithWsabufArrays_GatherAndScatter_TruncationGivesWsaemsgsize()
    {
        using var kit = new Ws2TestKit();
        var ws2 = kit.Api;
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (receiver, sender, address) = Ws2TestKit.UdpPair(ws2);
        int sent = -1, flags = 0;

        Assert.Equal(0, ws2.WSASendTo(sender, new[] { Ro("sca"), Ro("tter") }, 2, ref sent, 0, address, null, null));
        Assert.Equal(7, sent);
        Assert.Equal(0, ws2.WSASendTo(sender, new[] { Ro("0123"), Ro("4567"), Ro("unused") }, 2, ref sent, 0, address, null, null));
        Assert.Equal(8, sent); // dwBufferCount 2: the third buffer is not part of the message

        var (a, b) = (new byte[4], new byte[4]);
        var from = new SourceAddress();
        int received = -1;
        Assert.Equal(0, ws2.WSARecvFrom(receiver, new WsaBuf[] { a, b }, 2, ref received, ref flags, from, null, null));
        Assert.Equal((7, 0), (received, flags));
        Assert.Equal("scat"u8.ToArray(), a);
        Assert.Equal("ter"u8.ToArray(), b[..3]);
        Assert.Equal(0, ws2.getsockname(sender, out var senderAddress));
        Assert.Equal(((IPEndPoint)senderAddress!).Port, ((IPEndPoint)from.EndPoint!).Port);

        var (c, d) = (new byte[3], new byte[2]);
        received = -1;
        Assert.Equal(SOCKET_ERROR, ws2.WSARecvFrom(receiver, new WsaBuf[] { c, d }, 2, ref received, ref flags, from, null, null));
        Assert.Equal(WSAEMSGSIZE, ws2.WSAGetLastError());
        Assert.Equal(-1, received); // unchanged on failure: the buffers hold the first bytes
        Assert.Equal("012"u8.ToArray(), c);
        Assert.Equal("34"u8.ToArray(), d);
        Assert.Equal(0, ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-2")]
    [Trait("Rule", "DGM-5")]
    public void EXT5_Ws2_OverlappedWSARecvFromWithWsabufArray_TruncatedMessage_WSAGetOverlappedResultGivesTheBytesCopied()
    {
        using var kit = new Ws2TestKit();
        var ws2 = kit.Api;
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        using var peer = kit.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        nuint s = ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        Assert.Equal(0, ws2.bind(s, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, ws2.getsockname(s, out var address));
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var (a, b) = (new byte[2], new byte[2]);
        var from = new SourceAddress();
        int received = -1, flags = 0;

        Assert.Equal(SOCKET_ERROR, ws2.WSARecvFrom(s, new WsaBuf[] { a, b }, 2, ref received, ref flags, from, ov, null));
        Assert.Equal(WSA_IO_PENDING, ws2.WSAGetLastError());
        Assert.True(peer.SendTo("abcdef"u8, address!));
        AssertSet(ev);

        int transferred = -1, outFlags = -1;
        Assert.False(ws2.WSAGetOverlappedResult(s, ov, ref transferred, false, ref outFlags));
        Assert.Equal(WSAEMSGSIZE, ws2.WSAGetLastError());
        Assert.Equal(4, ov.BytesTransferred); // exactly the bytes copied, over both buffers (InternalHigh)
        Assert.Equal("ab"u8.ToArray(), a);
        Assert.Equal("cd"u8.ToArray(), b);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(0, ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_Ws2_BadInput_NullArrayOrCountOutsideIsWsaefault_FlagsWsaeopnotsupp_UnboundWsaeinval_AsTheOtherCalls()
    {
        using var kit = new Ws2TestKit();
        var ws2 = kit.Api;
        int bytes = 0, flags = 0;
        var to = new IPEndPoint(IPAddress.Loopback, 9);
        WsaBuf[] two = [new byte[2], new byte[2]];
        Assert.Equal(SOCKET_ERROR, ws2.WSASendTo(1, two, 2, ref bytes, 0, to, null, null));
        Assert.Equal(WSANOTINITIALISED, ws2.WSAGetLastError());
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

        var errors = new List<int>();
        void Expect(int rc)
        {
            Assert.Equal(SOCKET_ERROR, rc);
            errors.Add(ws2.WSAGetLastError());
        }

        Expect(ws2.WSASendTo(s, null, 0, ref bytes, 0, to, null, null));
        Expect(ws2.WSASendTo(s, two, 3, ref bytes, 0, to, null, null));
        Expect(ws2.WSASendTo(s, two, -1, ref bytes, 0, to, null, null));
        Expect(ws2.WSASendTo(s, two, 2, ref bytes, 1, to, null, null)); // MSG_OOB
        Expect(ws2.WSARecvFrom(s, null, 0, ref bytes, ref flags, null, null, null));
        Expect(ws2.WSARecvFrom(s, two, 3, ref bytes, ref flags, null, null, null));
        flags = MSG_PEEK;
        Expect(ws2.WSARecvFrom(s, two, 2, ref bytes, ref flags, null, null, null));
        flags = 0;
        Expect(ws2.WSARecvFrom(s, two, 2, ref bytes, ref flags, null, null, null)); // not bound
        Expect(ws2.WSASendTo(s, two, 2, ref bytes, 0, null, null, null)); // no address, not connected
        Expect(ws2.WSASend(s, two, 2, ref bytes, 0, null, null)); // WSASend on a datagram socket that is not connected
        Expect(ws2.WSASendTo(0x7777, two, 2, ref bytes, 0, to, null, null));

        Assert.Equal(
            [WSAEFAULT, WSAEFAULT, WSAEFAULT, WSAEOPNOTSUPP, WSAEFAULT, WSAEFAULT, WSAEOPNOTSUPP, WSAEINVAL, WSAEDESTADDRREQ, WSAENOTCONN, WSAENOTSOCK],
            errors);
        var single = new byte[2];
        Assert.Equal(SOCKET_ERROR, ws2.recvfrom(s, single, 2, 0, null));
        Assert.Equal(WSAEINVAL, ws2.WSAGetLastError()); // the single-buffer call gives the same
        Assert.Equal(0, ws2.WSASendTo(s, two, 0, ref bytes, 0, to, null, null)); // no buffer: an empty datagram
        Assert.Equal(0, bytes);
        Assert.Equal(0, ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    [Trait("Rule", "DGM-5")]
    public void EXT5_Ws2_BlockingWSARecvFromWithWsabufArray_IsWokenBySendto()
    {
        using var kit = new Ws2TestKit();
        var ws2 = kit.Api;
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (receiver, sender, address) = Ws2TestKit.UdpPair(ws2);
        Assert.True(ws2.TryGetProvider(receiver, out var provider));
        var (a, b) = (new byte[3], new byte[3]);
        var blocked = StartBlocked(((CountingProvider)provider).Inner, () =>
        {
            int got = 0, flags = 0;
            int rc = ws2.WSARecvFrom(receiver, new WsaBuf[] { a, b }, 2, ref got, ref flags, null, null, null);
            return (rc, got);
        });

        Assert.Equal(5, ws2.sendto(sender, "hello"u8.ToArray(), 5, 0, address));

        Assert.Equal((0, 5), Join(blocked));
        Assert.Equal("hel"u8.ToArray(), a);
        Assert.Equal("lo"u8.ToArray(), b[..2]);
        Assert.Equal(0, ws2.WSACleanup());
    }
}
