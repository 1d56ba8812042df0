using System.Net;
using System.Runtime.CompilerServices;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>The extension functions and completion details through the Ws2 layer (EXT-1..5, WS2-1), and the worked example of docs/ws2.md.</summary>
public sealed class Ws2ExtensionTests : IDisposable
{
    private readonly Ws2Api _ws2 = new(new Ws2ApiOptions());

    public void Dispose() => _ws2.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("Rule", "EXT-3")]
    public void EXT3_Repro_WSARecvIssuedBeforeThePortAssociation_PostsToThePort(bool close)
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (src, dst) = Ws2TestKit.TcpSocketPair(_ws2);
        var ov = new WsaOverlapped();
        int bytes = 0, flags = 0;
        Assert.Equal(SOCKET_ERROR, _ws2.WSARecv(dst, new byte[16], ref bytes, ref flags, ov, null));
        Assert.Equal(WSA_IO_PENDING, _ws2.WSAGetLastError());
        Assert.True(_ws2.TryGetProvider(dst, out var provider));
        var port = new CompletionPort();
        Assert.True(port.Associate((ProviderRuntime)provider, new SocketHandle(dst), 125).IsSuccess);

        Assert.Equal(0, close ? _ws2.closesocket(dst) : _ws2.send(src, "TEST"u8, 4, 0) - 4);

        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal((125u, close ? 0 : 4, close ? WsaError.OperationAborted : WsaError.Success), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.False(port.TryDequeue(out _));
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    public void EXT1_WSAIoctl_GivesTheFunctions_AndTheDirectCallsWorkAlike()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = _ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        int bytes = 0;

        Assert.Equal(0, _ws2.WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_ACCEPTEX, out var acceptEx, ref bytes, null, null));
        Assert.IsType<LPFN_ACCEPTEX>(acceptEx);
        Assert.Equal(IntPtr.Size, bytes);
        Assert.Equal(0, _ws2.WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_CONNECTEX, out var connectEx, ref bytes, null, null));
        Assert.IsType<LPFN_CONNECTEX>(connectEx);
        Assert.Equal(0, _ws2.WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_DISCONNECTEX, out var disconnectEx, ref bytes, null, null));
        Assert.IsType<LPFN_DISCONNECTEX>(disconnectEx);
        Assert.Equal(0, _ws2.WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_GETACCEPTEXSOCKADDRS, out var sockaddrs, ref bytes, null, null));
        Assert.IsType<LPFN_GETACCEPTEXSOCKADDRS>(sockaddrs);
        Assert.Equal(SOCKET_ERROR, _ws2.WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, Guid.NewGuid(), out var none, ref bytes, null, null));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Null(none);

        // ConnectEx on an unbound socket fails at once; DisconnectEx with a reserved value too.
        Assert.False(_ws2.ConnectEx(s, new IPEndPoint(IPAddress.Loopback, 1), default, ref bytes, new WsaOverlapped()));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.False(_ws2.DisconnectEx(s, null, 0, 1));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    public void EXT1_ConnectEx_ThenDisconnectExWithReuse_ThenAcceptEx_OnTheSameSocket()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint listener = Listen(out var addr);
        nuint s = _ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, _ws2.bind(s, new IPEndPoint(IPAddress.Loopback, 0)));
        int bytes = 0;

        Assert.True(_ws2.ConnectEx(s, addr, "hi"u8.ToArray(), ref bytes, new WsaOverlapped()));
        Assert.Equal(2, bytes);
        Assert.Equal(0, _ws2.setsockopt(s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, 0));
        nuint server = _ws2.accept(listener);
        Assert.Equal(2, _ws2.recv(server, new byte[8], 8, 0));
        Assert.True(_ws2.DisconnectEx(s, null, TF_REUSE_SOCKET, 0));
        Assert.Equal(0, _ws2.recv(server, new byte[8], 8, 0));

        var buffer = new byte[64];
        var ov = new WsaOverlapped();
        Assert.False(_ws2.AcceptEx(listener, s, buffer, 0, 32, 32, ref bytes, ov));
        Assert.Equal(WSA_IO_PENDING, _ws2.WSAGetLastError());
        nuint client = _ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, _ws2.connect(client, addr));
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(0, _ws2.setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listener));
        _ws2.GetAcceptExSockaddrs(buffer, 0, 32, 32, out var local, out int localLength, out var remote, out _);
        Assert.Equal((addr, 16), (local, localLength));
        Assert.Equal(0, _ws2.getsockname(client, out var clientAddr));
        Assert.Equal(clientAddr, remote);
    }

    [Fact]
    [Trait("Rule", "EXT-4")]
    public void EXT4_SetFileCompletionNotificationModes_SkipsThePacketOfAReceiveThatCompletesAtOnce()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (src, dst) = Ws2TestKit.TcpSocketPair(_ws2);
        Assert.True(_ws2.TryGetProvider(dst, out var provider));
        var port = new CompletionPort();
        Assert.True(port.Associate((ProviderRuntime)provider, new SocketHandle(dst), 1).IsSuccess);
        Assert.True(_ws2.SetFileCompletionNotificationModes(dst, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE));
        Assert.Equal(4, _ws2.send(src, "TEST"u8, 4, 0));
        int bytes = 0, flags = 0;

        Assert.Equal(0, _ws2.WSARecv(dst, new byte[8], ref bytes, ref flags, new WsaOverlapped(), null));

        Assert.Equal(4, bytes);
        Assert.Equal(0, port.Count);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void EXT5_WSARecvWithBufferArrays_MsgPeek_AndGetsockopt_ThroughTheWs2Layer()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (src, dst) = Ws2TestKit.TcpSocketPair(_ws2);
        int bytes = 0, flags = 0;
        Assert.Equal(0, _ws2.WSASend(src, new[] { WsaBuf.FromReadOnly("ab"u8.ToArray()), WsaBuf.FromReadOnly("cd"u8.ToArray()) }, 2, ref bytes, 0, null, null));
        Assert.Equal(4, bytes);
        var peeked = new byte[8];
        Assert.Equal(4, _ws2.recv(dst, peeked, 8, MSG_PEEK));
        var a = new byte[1];
        var b = new byte[8];

        Assert.Equal(0, _ws2.WSARecv(dst, new WsaBuf[] { a, b }, 2, ref bytes, ref flags, null, null));

        Assert.Equal(("abcd", 4), (System.Text.Encoding.ASCII.GetString(peeked, 0, 4), bytes));
        Assert.Equal("a"u8.ToArray(), a);
        Assert.Equal("bcd"u8.ToArray(), b[..3]);
        int value = -1;
        Assert.Equal(0, _ws2.getsockopt(dst, SOL_SOCKET, SO_TYPE, ref value));
        Assert.Equal(SOCK_STREAM, value);
        Assert.Equal(0, _ws2.setsockopt(dst, SOL_SOCKET, SO_RCVBUF, 1234));
        Assert.Equal(0, _ws2.getsockopt(dst, SOL_SOCKET, SO_RCVBUF, ref value));
        Assert.Equal(1234, value);
        Assert.Equal(0, _ws2.setsockopt(dst, SOL_SOCKET, SO_LINGER, new LingerState(true, 3)));
        var linger = default(LingerState);
        Assert.Equal(0, _ws2.getsockopt(dst, SOL_SOCKET, SO_LINGER, ref linger));
        Assert.Equal(new LingerState(true, 3), linger);
        Assert.Equal(0, _ws2.getsockopt(dst, SOL_SOCKET, SO_DONTLINGER, ref value));
        Assert.Equal(0, value);
        Assert.Equal(SOCKET_ERROR, _ws2.getsockopt(dst, SOL_SOCKET, 0x4242, ref value));
        Assert.Equal(WSAENOPROTOOPT, _ws2.WSAGetLastError());
    }

    [Theory]
    [InlineData(1, 1, 32767, 65467)]
    [InlineData(1, 0, 32767, 65467)]
    [InlineData(2, 2, 0, 0)]
    [Trait("Rule", "WS2-1")]
    public void WS21_WSADATA_CarriesIMaxSocketsAndIMaxUdpDg_AsWindowsReportsThem(byte major, byte minor, int maxSockets, int maxUdpDg)
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(major, minor), out var data));

        Assert.Equal((maxSockets, maxUdpDg), (data.iMaxSockets, data.iMaxUdpDg));
        Assert.Null(data.lpVendorInfo);
        Assert.Equal(0, _ws2.WSACleanup());
    }

    [Fact]
    [Trait("Rule", "WS2-1")]
    public void WS21_WSAStartupWithoutWsaData_GivesWsaefault_OrWsavernotsupportedForVersion0_AndCountsNothing()
    {
        Assert.Equal(WSAEFAULT, _ws2.WSAStartup(MAKEWORD(2, 2), null));
        Assert.Equal(WSAVERNOTSUPPORTED, _ws2.WSAStartup(0, null));
        Assert.Equal(0, _ws2.StartupCount);

        var box = new StrongBox<WsaData>();
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), box));
        Assert.Equal(MAKEWORD(2, 2), box.Value.wVersion);
        Assert.Equal(1, _ws2.StartupCount);
    }

    /// <summary>The worked example of docs/ws2.md, line for line.</summary>
    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "EXT-2")]
    public void WorkedExample_AcceptExOnACompletionPort_ThenTheListenerIsClosed()
    {
        using var ws2 = new Ws2Api(new Ws2ApiOptions());
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));

        // The listener, associated with a completion port under key 1.
        nuint listener = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.bind(listener, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, ws2.listen(listener, 5));
        Assert.Equal(0, ws2.getsockname(listener, out var addr));
        Assert.True(ws2.TryGetProvider(listener, out var provider));
        var port = new CompletionPort();
        Assert.True(port.Associate((ProviderRuntime)provider, new SocketHandle(listener), 1).IsSuccess);

        // AcceptEx from WSAIoctl, as C code gets it.
        int bytes = 0;
        Assert.Equal(0, ws2.WSAIoctl(listener, SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_ACCEPTEX, out var fn, ref bytes, null, null));
        var pAcceptEx = (LPFN_ACCEPTEX)fn!;

        // First AcceptEx: pends, then completes when a client connects.
        nuint acceptor = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        var buffer = new byte[2 * (16 + 16)];
        var ov1 = new WsaOverlapped();
        Assert.False(pAcceptEx(listener, acceptor, buffer, 0, 16 + 16, 16 + 16, ref bytes, ov1));
        Assert.Equal(WSA_IO_PENDING, ws2.WSAGetLastError());
        nuint client = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.connect(client, addr));

        // Packet 1: the listener's key, 0 bytes (no receive length), the first overlapped, status 0.
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal((1u, 0, WsaError.Success), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Same(ov1, packet.Overlapped);
        Assert.Equal(0, ws2.setsockopt(acceptor, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listener));
        ws2.GetAcceptExSockaddrs(buffer, 0, 32, 32, out var local, out _, out _, out _);
        Assert.Equal(addr, local);

        // Second AcceptEx: pends; closing the listener aborts it.
        nuint acceptor2 = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        var ov2 = new WsaOverlapped();
        Assert.False(pAcceptEx(listener, acceptor2, new byte[64], 0, 32, 32, ref bytes, ov2));
        Assert.Equal(WSA_IO_PENDING, ws2.WSAGetLastError());
        Assert.Equal(0, ws2.closesocket(listener));

        // Packet 2: the same key, 0 bytes, the second overlapped, WSA_OPERATION_ABORTED (995). Nothing else.
        Assert.True(port.TryDequeue(out packet));
        Assert.Equal((1u, 0, WsaError.OperationAborted), ((uint)packet.CompletionKey, packet.BytesTransferred, packet.Status));
        Assert.Same(ov2, packet.Overlapped);
        Assert.False(port.TryDequeue(out _));

        // The accepted connection works; the final WSACleanup posts nothing more.
        Assert.Equal(4, ws2.send(client, "TEST"u8, 4, 0));
        Assert.Equal(4, ws2.recv(acceptor, new byte[4], 4, 0));
        Assert.Equal(0, ws2.WSACleanup());
        Assert.Equal(0, port.Count);
    }

    private nuint Listen(out EndPoint addr)
    {
        nuint listener = _ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, _ws2.bind(listener, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, _ws2.listen(listener, 5));
        Assert.Equal(0, _ws2.getsockname(listener, out var name));
        addr = name!;
        return listener;
    }
}
