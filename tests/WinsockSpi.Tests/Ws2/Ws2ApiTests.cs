using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

public sealed class Ws2ApiTests : IDisposable
{
    private static readonly Guid s_layerId = new("9a7d1c3e-0000-4000-8000-00000000001a");
    private static readonly IPEndPoint s_peerEndPoint = new(IPAddress.Loopback, 7000);

    private readonly Ws2TestKit _kit = new();

    private Ws2Api Ws2 => _kit.Api;

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void ProtocolChainFirstInTheCatalog_LoadsTheLayersProvider_OnceForAllItsChains_AndNotTheBase()
    {
        var layer = new CountingProviderFactory(s_layerId);
        _kit.Catalog.Add(new ProviderCatalogEntry(2000, s_layerId, "layer", AddressFamily.Unspecified, SocketType.Unknown, ProtocolType.Unspecified, layer.Load, []));
        _kit.Catalog.Insert(0, new ProviderCatalogEntry(2001, s_layerId, "layer over [TCP/IP]", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, layer.Load, [2000, 1001]));
        _kit.Catalog.Insert(1, new ProviderCatalogEntry(2002, s_layerId, "layer over [UDP/IP]", AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, layer.Load, [2000, 1002]));
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        nuint tcp = Ws2.socket(AF_INET, SOCK_STREAM, 0);
        nuint udp = Ws2.socket(AF_INET, SOCK_DGRAM, 0);

        Assert.NotEqual(INVALID_SOCKET, tcp);
        Assert.NotEqual(INVALID_SOCKET, udp);
        var loaded = Assert.Single(layer.Loads);
        Assert.Equal(1, loaded.Startups);
        Assert.Empty(_kit.Base.Loads);
        Assert.True(Ws2.TryGetProvider(udp, out var owner));
        Assert.Same(loaded, owner);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(1, loaded.Cleanups);
    }

    [Fact]
    public void WSASocket_WithProtocolInfo_UsesThatEntry_WhenTheArgumentsAgree()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var udp6 = _kit.Catalog.Entries[3];
        var foreign = new ProviderCatalogEntry(77, Guid.NewGuid(), "not in the catalog", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, _kit.Base.Load);
        _kit.Catalog.Add(new ProviderCatalogEntry(2000, s_layerId, "layer", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, _kit.Base.Load, []));
        _kit.Catalog.TryGetEntry(2000, out var layered);

        nuint s = Ws2.WSASocket(FROM_PROTOCOL_INFO, 0, FROM_PROTOCOL_INFO, udp6, 0, 0);

        Assert.NotEqual(INVALID_SOCKET, s);
        Assert.True(_kit.Base.Last.Inner.Sockets.TryGetInfo(new SocketHandle(s), out var info));
        Assert.Equal((AddressFamily.InterNetworkV6, SocketType.Dgram), (info.AddressFamily, info.SocketType));
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(AF_INET, 0, 0, udp6, 0, 0));
        Assert.Equal((int)WsaError.AddressFamilyNotSupported, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(0, SOCK_STREAM, 0, udp6, 0, 0));
        Assert.Equal((int)WsaError.SocketNotSupported, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(0, 0, IPPROTO_TCP, udp6, 0, 0));
        Assert.Equal((int)WsaError.ProtocolNotSupported, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(0, 0, 0, foreign, 0, 0));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(0, 0, 0, layered, 0, 0));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(AF_INET, SOCK_STREAM, 0, null, 1, 0));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
    }

    [Fact]
    public void SendAndRecv_MoveBytesThroughTheProvider()
    {
        var (s, peer) = Connected();

        Assert.Equal(5, Ws2.send(s, "hello"u8, 5, 0));
        Assert.Equal(3, Ws2.send(s, "abcdef"u8.ToArray(), 3, 0));
        Assert.Equal("helloabc"u8.ToArray(), peer.ReadAvailable());

        peer.Write("world"u8);
        var buffer = new byte[16];
        Assert.Equal(5, Ws2.recv(s, buffer, buffer.Length, 0));
        Assert.Equal("world"u8.ToArray(), buffer[..5]);

        peer.Write("xyz"u8);
        Span<byte> span = stackalloc byte[8];
        Assert.Equal(3, Ws2.recv(s, span, 8, 0));
        Assert.Equal("xyz"u8.ToArray(), span[..3].ToArray());

        peer.Close();
        Assert.Equal(0, Ws2.recv(s, buffer, buffer.Length, 0));
    }

    [Fact]
    public void SendAndRecv_RejectBadLengthsAndFlags()
    {
        var (s, _) = Connected();

        Assert.Equal(SOCKET_ERROR, Ws2.send(s, new byte[4], 5, 0));
        Assert.Equal((int)WsaError.Fault, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.send(s, (byte[]?)null, 0, 0));
        Assert.Equal((int)WsaError.Fault, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.recv(s, new byte[4], -1, 0));
        Assert.Equal((int)WsaError.Fault, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.send(s, "ab"u8, 2, 1));
        Assert.Equal((int)WsaError.OperationNotSupported, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.recv(s, new byte[4], 4, 1)); // MSG_OOB; MSG_PEEK (2) is simulated (EXT-5)
        Assert.Equal((int)WsaError.OperationNotSupported, Ws2.WSAGetLastError());
    }

    [Fact]
    public void OverlappedWSARecv_PendsLeavesTheCountUnchanged_AndCompletesWhenThePeerWrites()
    {
        var (s, peer) = Connected();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        var buffer = new byte[8];
        int bytes = -7, flags = 0, transferred = -7, outFlags = -7;

        Assert.Equal(SOCKET_ERROR, Ws2.WSARecv(s, buffer, ref bytes, ref flags, ov, null));
        Assert.Equal((int)WsaError.IOPending, Ws2.WSAGetLastError());
        Assert.Equal(-7, bytes);
        Assert.False(Ws2.WSAGetOverlappedResult(s, ov, ref transferred, false, ref outFlags));
        Assert.Equal((int)WsaError.IOIncomplete, Ws2.WSAGetLastError());
        Assert.Equal(-7, transferred);

        peer.Write("abc"u8);

        Assert.True(ev.IsSet);
        Assert.True(Ws2.WSAGetOverlappedResult(s, ov, ref transferred, false, ref outFlags));
        Assert.Equal(3, transferred);
        Assert.Equal(0, outFlags);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        Assert.False(Ws2.WSAGetOverlappedResult(s, null, ref transferred, false, ref outFlags));
        Assert.Equal((int)WsaError.InvalidParameter, Ws2.WSAGetLastError());
    }

    [Fact]
    public void OverlappedWSASend_ThatCompletesAtOnce_ReturnsZeroWithTheCount_AndRunsItsRoutineOnThisThread()
    {
        var (s, peer) = Connected();
        var ov = new WsaOverlapped();
        int sent = 0, routineBytes = -1, routineThread = -1;

        int rc = Ws2.WSASend(s, "data"u8.ToArray(), ref sent, 0, ov, (error, n, _, _) =>
        {
            routineBytes = error == WsaError.Success ? n : -2;
            routineThread = Environment.CurrentManagedThreadId;
        });

        Assert.Equal(0, rc);
        Assert.Equal(4, sent);
        Assert.Equal(-1, routineBytes);
        Assert.Equal(1, _kit.Process.AlertableWait(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, routineBytes);
        Assert.Equal(Environment.CurrentManagedThreadId, routineThread);
        Assert.Equal("data"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(SOCKET_ERROR, Ws2.WSASend(s, "x"u8.ToArray(), ref sent, 1, null, null));
        Assert.Equal((int)WsaError.OperationNotSupported, Ws2.WSAGetLastError());
    }

    [Fact]
    public void FinalWSACleanup_AbortsAPendingWSARecvWithoutNotification()
    {
        var (s, _) = Connected();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        int bytes = 0, flags = 0;
        Assert.Equal(SOCKET_ERROR, Ws2.WSARecv(s, new byte[8], ref bytes, ref flags, ov, null));

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ev.IsSet);
    }

    [Fact]
    public void FinalWSACleanup_InterruptsABlockingRecvOnAnotherThread_WhichSeesWsaeintrAsItsOwnLastError()
    {
        var (s, _) = Connected();
        var runtime = _kit.Base.Last.Inner;
        int rc = 0, error = 0;
        var worker = new Thread(() =>
        {
            rc = Ws2.recv(s, new byte[8], 8, 0);
            error = Ws2.WSAGetLastError();
        });
        worker.Start();
        Assert.True(SpinWait.SpinUntil(() => runtime.Operations.BlockedCallCount == 1, TimeSpan.FromSeconds(10)));

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.True(worker.Join(TimeSpan.FromSeconds(20)));
        Assert.Equal(SOCKET_ERROR, rc);
        Assert.Equal((int)WsaError.Interrupted, error);
        Assert.Equal(0, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    public void FinalWSACleanup_WithTheNetworkDown_ReportsNetDown_ButReleasesEverything()
    {
        var (s, peer) = Connected();
        var provider = _kit.Base.Last;
        _kit.Network.IsAvailable = false;

        Assert.Equal(SOCKET_ERROR, Ws2.WSACleanup());

        Assert.Equal((int)WsaError.NetworkDown, Ws2.WSAGetLastError());
        Assert.Equal(0, Ws2.StartupCount);
        Assert.Equal((1, 1), (provider.Cleanups, provider.Disposals));
        Assert.Equal(PeerState.Reset, peer.State);
        _kit.Network.IsAvailable = true;
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(SOCKET_ERROR, Ws2.closesocket(s));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
    }

    [Fact]
    public void FinalWSACleanup_FromInsideTheFactory_EndsTheSession_AndTheProviderJustStartedIsCleanedUpAtOnce()
    {
        using var process = new SimulatedProcess();
        var counting = new CountingProviderFactory();
        Ws2Api? ws2 = null;
        var catalog = ProviderCatalog.CreateDefault(p =>
        {
            Assert.Equal(0, ws2!.WSACleanup());
            return counting.Load(p);
        });
        ws2 = new Ws2Api(process, catalog);
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.Equal(INVALID_SOCKET, ws2.socket(AF_INET, SOCK_STREAM, 0));

        Assert.Equal((int)WsaError.NotInitialized, ws2.WSAGetLastError());
        var provider = Assert.Single(counting.Loads);
        Assert.Equal((1, 1, 1), (provider.Startups, provider.Cleanups, provider.Disposals));
        Assert.Empty(ws2.LoadedProviders);
        Assert.Equal(0, ws2.StartupCount);
    }

    [Fact]
    public void SetSockOptLinger10_MakesCloseSocketResetTheConnection()
    {
        var (s, peer) = Connected();

        Assert.Equal(0, Ws2.setsockopt(s, SOL_SOCKET, SO_LINGER, LingerState.Abortive));
        Assert.Equal(0, Ws2.closesocket(s));

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(0, Ws2.SocketCount);
    }

    [Fact]
    public void SetSockOpt_OtherLevelsAndOptions_AreRejected()
    {
        var (s, _) = Connected();

        Assert.Equal(SOCKET_ERROR, Ws2.setsockopt(s, IPPROTO_TCP, SO_LINGER, LingerState.Abortive));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.setsockopt(s, SOL_SOCKET, 0x0004, LingerState.Abortive));
        Assert.Equal(WSAENOPROTOOPT, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.setsockopt(s, SOL_SOCKET, SO_LINGER, new LingerState(true, 70000)));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
    }

    [Fact]
    public void IoctlSocketFionbio_MakesRecvFailWithWouldBlock_AndBackAgain()
    {
        var (s, peer) = Connected();
        uint nonBlocking = 1, blocking = 0;

        Assert.Equal(0, Ws2.ioctlsocket(s, FIONBIO, ref nonBlocking));
        Assert.Equal(SOCKET_ERROR, Ws2.recv(s, new byte[4], 4, 0));
        Assert.Equal((int)WsaError.WouldBlock, Ws2.WSAGetLastError());

        Assert.Equal(0, Ws2.ioctlsocket(s, FIONBIO, ref blocking));
        peer.Write("z"u8);
        Assert.Equal(1, Ws2.recv(s, new byte[4], 4, 0));
        Assert.Equal(SOCKET_ERROR, Ws2.ioctlsocket(s, 0x4004667F, ref blocking));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
    }

    [Fact]
    public void EventSelect_RecordsFdRead_AndEnumNetworkEventsReadsAndClearsIt()
    {
        var (s, peer) = Connected();
        var ev = new WsaEvent();

        Assert.Equal(0, Ws2.WSAEventSelect(s, ev, FD_READ | FD_CLOSE));
        peer.Write("q"u8);

        Assert.True(ev.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, Ws2.WSAEnumNetworkEvents(s, ev, out var events));
        Assert.True(events.Events.HasFlag(FD_READ));
        Assert.False(ev.IsSet);
        Assert.Equal(0, Ws2.WSAEnumNetworkEvents(s, ev, out var none));
        Assert.Equal(NetworkEvents.None, none.Events);
    }

    [Fact]
    public void BindListenConnectAccept_BetweenTwoSocketsOfTheApi_GivesMatchingNames()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint server = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        nuint client = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, Ws2.bind(server, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, Ws2.getsockname(server, out var serverName));
        Assert.Equal(0, Ws2.listen(server, 5));

        Assert.Equal(0, Ws2.connect(client, serverName));
        nuint accepted = Ws2.accept(server, out var peerName);

        Assert.NotEqual(INVALID_SOCKET, accepted);
        Assert.Equal(0, Ws2.getsockname(client, out var clientName));
        Assert.Equal(clientName, peerName);
        Assert.Equal(0, Ws2.getpeername(client, out var clientPeer));
        Assert.Equal(serverName, clientPeer);
        Assert.Equal(3, Ws2.SocketCount);
        Assert.Equal(3, Ws2.send(client, "abc"u8, 3, 0));
        var buffer = new byte[3];
        Assert.Equal(3, Ws2.recv(accepted, buffer, 3, 0));
        Assert.Equal(SOCKET_ERROR, Ws2.bind(client, null));
        Assert.Equal((int)WsaError.Fault, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.connect(client, null));
        Assert.Equal((int)WsaError.Fault, Ws2.WSAGetLastError());
    }

    [Fact]
    public void Shutdown_PassesValidDirections_AndRejectsOthers()
    {
        var (s, peer) = Connected();

        Assert.Equal(SOCKET_ERROR, Ws2.shutdown(s, 3));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(0, Ws2.shutdown(s, SD_SEND));
        Assert.Equal(SOCKET_ERROR, Ws2.send(s, "a"u8, 1, 0));
        Assert.Equal((int)WsaError.Shutdown, Ws2.WSAGetLastError());
        Assert.NotEqual(PeerState.Reset, peer.State);
    }

    [Fact]
    public void DuplicatedHandle_KeepsTheSocketAfterTheOriginalIsClosed()
    {
        var (s, peer) = Connected();

        Assert.Equal(0, Ws2.WSADuplicateSocket(s, _kit.Process.Id, out nuint dup));
        Assert.NotEqual(s, dup);
        Assert.Equal(0, Ws2.closesocket(s));

        Assert.Equal(2, Ws2.send(dup, "ok"u8, 2, 0));
        Assert.Equal("ok"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(SOCKET_ERROR, Ws2.send(s, "no"u8, 2, 0));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
    }

    [Fact]
    public void WSACancelBlockingCall_UnderWinsock2_IsNotSupported()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.Equal(SOCKET_ERROR, Ws2.WSACancelBlockingCall());
        Assert.Equal((int)WsaError.OperationNotSupported, Ws2.WSAGetLastError());
    }

    [Fact]
    public void WSACancelBlockingCall_UnderWinsock11_FromTheBlockingHook_InterruptsTheCall()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out _));
        Assert.Equal(SOCKET_ERROR, Ws2.WSACancelBlockingCall());
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        var (s, _) = Connected(startup: false);
        int cancel = 99;
        Ws2.Upcalls.BlockingHook = () =>
        {
            cancel = Ws2.WSACancelBlockingCall();
            return true;
        };

        int rc = Ws2.recv(s, new byte[4], 4, 0);

        Assert.Equal(0, cancel);
        Assert.Equal(SOCKET_ERROR, rc);
        Assert.Equal((int)WsaError.Interrupted, Ws2.WSAGetLastError());
    }

    [Theory]
    [InlineData(null, "localhost", "127.0.0.1")]
    [InlineData("", "localhost", "127.0.0.1")]
    [InlineData("LocalHost", "localhost", "127.0.0.1")]
    [InlineData("10.1.2.3", "10.1.2.3", "10.1.2.3")]
    public void Gethostbyname_ResolvesLocalhostAndIpv4Literals(string? name, string hostName, string address)
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        var host = Ws2.gethostbyname(name);

        Assert.NotNull(host);
        Assert.Equal(hostName, host.HostName);
        Assert.Equal([IPAddress.Parse(address)], host.AddressList);
    }

    [Fact]
    public void Gethostbyname_OfAnyOtherName_FailsWithHostNotFound()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.Null(Ws2.gethostbyname("www.example.invalid"));
        Assert.Equal(WSAHOST_NOT_FOUND, Ws2.WSAGetLastError());
        Assert.Null(Ws2.gethostbyname("::1"));
        Assert.Equal(WSAHOST_NOT_FOUND, Ws2.WSAGetLastError());
    }

    [Fact]
    public void AfterTheProcessTerminates_CallsFailAsTheProvidersDo_AndWSAStartupThrows()
    {
        var (s, peer) = Connected();

        _kit.Process.Terminate();

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(SOCKET_ERROR, Ws2.send(s, "a"u8, 1, 0));
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
        Assert.Throws<ObjectDisposedException>(() => Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(1, _kit.Base.Last.Disposals);
    }

    [Fact]
    public void WsaDataAndToString_ShowVersions()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out var data));

        Assert.Equal(WinsockVersion.V1_1, data.Version);
        Assert.Equal(WinsockVersion.V2_2, data.HighVersion);
        Assert.Equal("wVersion=1.1 wHighVersion=2.2 \"WinSock 2.0\" \"Running\"", data.ToString());
        Assert.Contains("count 1", Ws2.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DefaultsToTheDefaultCatalog()
    {
        using var process = new SimulatedProcess();

        var ws2 = new Ws2Api(process);

        Assert.Equal(4, ws2.Catalog.Entries.Count);
        Assert.Same(process, ws2.Process);
        Assert.Same(process, ws2.Upcalls.Process);
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, 0);
        Assert.True(ws2.TryGetProvider(s, out var provider));
        Assert.Equal(ProviderOptions.DefaultProviderId, Assert.IsType<ProviderRuntime>(provider).ProviderId);
        Assert.Throws<ArgumentNullException>(() => new Ws2Api(null!));
    }

    private (nuint Socket, RemotePeer Peer) Connected(bool startup = true)
    {
        if (startup)
        {
            Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        }

        var listener = _kit.Network.Listen(s_peerEndPoint);
        nuint s = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.NotEqual(INVALID_SOCKET, s);
        Assert.Equal(0, Ws2.connect(s, listener.EndPoint));
        return (s, listener.Accept());
    }
}
