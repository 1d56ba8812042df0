using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Ws2;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS.md §9, the Ws2 API layer: WS2-1, WS2-2, WS2-3, and the WSACleanup part of NSP-1.</summary>
public sealed partial class Ws2ConformanceTests : IDisposable
{
    private static readonly Guid s_dnsId = new("22059d40-7e9e-11cf-ae5a-00aa00a7112b");
    private static readonly Guid s_pnrpId = new("03fe89cd-766d-4976-b9c1-bb9bc42c7b4d");
    private static readonly Guid s_ldapId = new("3b2637ee-e580-11cf-a555-00c04fd8d4ac");

    private readonly Ws2TestKit _kit = new(withSecondProvider: true);

    private Ws2Api Ws2 => _kit.Api;

    public void Dispose() => _kit.Dispose();

    // ---- WS2-1: the API layer's own count and version negotiation ----

    /// <summary>The version table of Wine's and ReactOS's WSAStartup tests, which assert Windows' behaviour.</summary>
    [Theory]
    [Trait("Rule", "WS2-1")]
    [InlineData((ushort)0x0000, 10092, (ushort)0x0202)] // 0.0: refused, wVersion still reads 2.2
    [InlineData((ushort)0x0900, 10092, (ushort)0x0202)] // 0.9: refused
    [InlineData((ushort)0x0001, 0, (ushort)0x0001)] // 1.0
    [InlineData((ushort)0x0101, 0, (ushort)0x0101)] // 1.1
    [InlineData((ushort)0x0201, 0, (ushort)0x0101)] // 1.2 -> 1.1
    [InlineData((ushort)0xFF01, 0, (ushort)0x0101)] // 1.255 -> 1.1
    [InlineData((ushort)0x0002, 0, (ushort)0x0002)] // 2.0
    [InlineData((ushort)0x0102, 0, (ushort)0x0102)] // 2.1
    [InlineData((ushort)0x0202, 0, (ushort)0x0202)] // 2.2
    [InlineData((ushort)0x0302, 0, (ushort)0x0202)] // 2.3 -> 2.2
    [InlineData((ushort)0xFF02, 0, (ushort)0x0202)] // 2.255 -> 2.2
    [InlineData((ushort)0x0003, 0, (ushort)0x0202)] // 3.0 -> 2.2
    [InlineData((ushort)0xFFFF, 0, (ushort)0x0202)] // 255.255 -> 2.2
    [InlineData((ushort)0x00FF, 0, (ushort)0x0202)] // 255.0 -> 2.2
    public void WS21_WSAStartup_NegotiatesPerVersionTable_AndFillsDataEvenOnFailure(ushort requested, int expectedReturn, ushort expectedVersion)
    {
        Ws2.WSASetLastError(0x0BAD);

        int rc = Ws2.WSAStartup(requested, out var data);

        Assert.Equal(expectedReturn, rc);
        Assert.Equal(expectedVersion, data.wVersion);
        Assert.Equal(MAKEWORD(2, 2), data.wHighVersion);
        Assert.Equal("WinSock 2.0", data.szDescription);
        Assert.Equal("Running", data.szSystemStatus);
        Assert.Equal(rc == 0 ? 1 : 0, Ws2.StartupCount);
        Assert.Equal(rc == 0 ? 0 : (int)WsaError.NotInitialized, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "WS2-1")]
    public void WS21_NestedStartups_NeedAsManyCleanups_FailedStartupIsNotCounted()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out _));
        Assert.Equal((int)WsaError.VersionNotSupported, Ws2.WSAStartup(MAKEWORD(0, 0), out _));
        Assert.Equal(2, Ws2.StartupCount);

        Assert.Equal(0, Ws2.WSACleanup());
        nuint stillWorks = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.NotEqual(INVALID_SOCKET, stillWorks);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, Ws2.StartupCount);
        Assert.Equal(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "WS2-1")]
    public void WS21_ApiCount_IsKeptApartFromTheProvidersCount()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        }

        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_DGRAM, 0));
        var provider = Assert.Single(_kit.Base.Loads);
        Assert.Equal(3, Ws2.StartupCount);
        Assert.Equal(1, provider.Inner.StartupCount);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, provider.Cleanups);
        Assert.Equal(1, provider.Inner.StartupCount);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(1, provider.Cleanups);
        Assert.Equal(0, provider.Inner.StartupCount);
    }

    // ---- WS2-2: providers loaded on demand, started once, cleaned up once per start ----

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_WSAStartup_LoadsNoProvider()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.Empty(_kit.Base.Loads);
        Assert.Empty(_kit.Second.Loads);
        Assert.Empty(Ws2.LoadedProviders);
        Assert.Equal(0, _kit.Network.GetClientProcessCount(_kit.Base.ProviderId));
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_FirstSocket_LoadsAndStartsItsProviderOnce()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        nuint s = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

        Assert.NotEqual(INVALID_SOCKET, s);
        var provider = Assert.Single(_kit.Base.Loads);
        Assert.Equal(1, provider.Startups);
        Assert.Equal(WinsockVersion.V2_2, provider.LastRequestedVersion);
        Assert.Same(Ws2.Upcalls, provider.LastUpcalls);
        Assert.Same(provider, Assert.Single(Ws2.LoadedProviders));
        Assert.True(Ws2.TryGetProvider(s, out var owner));
        Assert.Same(provider, owner);
        Assert.Empty(_kit.Second.Loads);
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_LaterSockets_ReuseTheStartedProvider_TcpAndUdpShareIt()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        nuint[] sockets =
        [
            Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP),
            Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP),
            Ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP),
            Ws2.socket(AF_INET6, SOCK_STREAM, 0),
            Ws2.socket(AF_INET6, SOCK_DGRAM, 0),
        ];

        Assert.DoesNotContain(INVALID_SOCKET, sockets);
        Assert.Equal(sockets.Length, sockets.Distinct().Count());
        var provider = Assert.Single(_kit.Base.Loads);
        Assert.Equal(1, provider.Startups);
        Assert.Equal(1, provider.Inner.StartupCount);
        Assert.Equal(sockets.Length, provider.Inner.Sockets.Count);
        Assert.All(sockets, s => Assert.True(Ws2.TryGetProvider(s, out var p) && ReferenceEquals(p, provider)));
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_ConcurrentFirstSockets_LoadAndStartTheProviderOnce()
    {
        const int threads = 8;
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var sockets = new nuint[threads];
        using var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            TestThreads.Meet(barrier);
            sockets[i] = Ws2.socket(AF_INET, i % 2 == 0 ? SOCK_STREAM : SOCK_DGRAM, 0);
        })).ToArray();

        Array.ForEach(workers, w => w.Start());

        Assert.All(workers, w => Assert.True(w.Join(TimeSpan.FromSeconds(20))));
        Assert.DoesNotContain(INVALID_SOCKET, sockets);
        var provider = Assert.Single(_kit.Base.Loads);
        Assert.Equal(1, provider.Startups);
        Assert.Equal(threads, Ws2.SocketCount);
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(1, provider.Cleanups);
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_FinalWSACleanup_CleansUpEachLoadedProviderOncePerStartup_ThenUnloadsIt()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        }

        nuint a = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        nuint b = Ws2.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, _kit.SecondEntry, 0, WSA_FLAG_OVERLAPPED);
        Assert.NotEqual(INVALID_SOCKET, a);
        Assert.NotEqual(INVALID_SOCKET, b);
        var first = Assert.Single(_kit.Base.Loads);
        var second = Assert.Single(_kit.Second.Loads);
        Assert.Equal(2, Ws2.LoadedProviders.Count);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, first.Cleanups + second.Cleanups);
        Assert.Equal(0, first.Disposals + second.Disposals);

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.All(new[] { first, second }, p =>
        {
            Assert.Equal(1, p.Startups);
            Assert.Equal(p.Startups, p.Cleanups);
            Assert.Equal(1, p.Disposals);
            Assert.Equal(0, p.Inner.StartupCount);
            Assert.True(p.Inner.IsUnloadReady);
        });
        Assert.Empty(Ws2.LoadedProviders);
        Assert.Equal(0, Ws2.SocketCount);
        Assert.Equal(0, _kit.Network.GetClientProcessCount(_kit.Base.ProviderId));
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_AfterFinalCleanup_TheNextSocketLoadsAndStartsTheProviderAgain()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Single(_kit.Base.Loads);
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(2, _kit.Base.Loads.Count);
        Assert.All(_kit.Base.Loads, p =>
        {
            Assert.Equal(1, p.Startups);
            Assert.Equal(1, p.Cleanups);
            Assert.Equal(1, p.Disposals);
        });
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_FailedProviderStartup_FailsTheSocketAndUnloadsTheProvider_TheNextSocketLoadsItAgain()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        _kit.Network.IsAvailable = false;

        Assert.Equal(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));

        Assert.Equal((int)WsaError.SystemNotReady, Ws2.WSAGetLastError());
        var failed = Assert.Single(_kit.Base.Loads);
        Assert.Equal(1, failed.FailedStartups);
        Assert.Equal(0, failed.Startups);
        Assert.Equal(1, failed.Disposals);
        Assert.Empty(Ws2.LoadedProviders);

        _kit.Network.IsAvailable = true;
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.Equal(2, _kit.Base.Loads.Count);
        var started = _kit.Base.Last;
        Assert.Equal(1, started.Startups);

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, failed.Cleanups);
        Assert.Equal(1, started.Cleanups);
    }

    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_FailedProviderStartupOnly_FinalCleanupMakesNoWspCleanup()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        _kit.Network.IsAvailable = false;
        Assert.Equal(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));

        Assert.Equal(0, Ws2.WSACleanup());

        var provider = Assert.Single(_kit.Base.Loads);
        Assert.Equal(0, provider.Cleanups);
        Assert.Equal(1, provider.Disposals);
    }

    /// <summary>The parameter table of Wine's test_WSASocket, which asserts Windows' behaviour.</summary>
    [Theory]
    [Trait("Rule", "WS2-2")]
    [InlineData(0, 0, 0, WsaError.InvalidArgument)]
    [InlineData(0, SOCK_STREAM, -1, WsaError.ProtocolNotSupported)]
    [InlineData(0, -1, IPPROTO_UDP, WsaError.SocketNotSupported)]
    [InlineData(0, -1, 0, WsaError.InvalidArgument)]
    [InlineData(AF_INET, -1, 0, WsaError.SocketNotSupported)]
    [InlineData(AF_INET, 0, -1, WsaError.ProtocolNotSupported)]
    [InlineData(0, -1, -1, WsaError.SocketNotSupported)]
    [InlineData(-1, SOCK_STREAM, IPPROTO_UDP, WsaError.AddressFamilyNotSupported)]
    [InlineData(0, SOCK_STREAM, 0, WsaError.InvalidArgument)]
    [InlineData(0, 0, 0xdead, WsaError.ProtocolNotSupported)]
    [InlineData(AF_INET, 0xdead, 0, WsaError.SocketNotSupported)]
    [InlineData(0, 0xdead, 0, WsaError.InvalidArgument)]
    [InlineData(AF_INET, SOCK_STREAM, IPPROTO_UDP, WsaError.ProtocolNotSupported)]
    [InlineData(AF_INET, SOCK_DGRAM, IPPROTO_TCP, WsaError.ProtocolNotSupported)]
    [InlineData(32, SOCK_STREAM, 0, WsaError.AddressFamilyNotSupported)]
    public void WS22_Socket_WithNoMatchingCatalogEntry_FailsWithTheCatalogError_AndLoadsNothing(int af, int type, int protocol, WsaError expected)
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Ws2.WSASetLastError(0x0BAD);

        nuint s = Ws2.WSASocket(af, type, protocol, null, 0, 0);

        Assert.Equal(INVALID_SOCKET, s);
        Assert.Equal((int)expected, Ws2.WSAGetLastError());
        Assert.Empty(_kit.Base.Loads);
    }

    [Theory]
    [Trait("Rule", "WS2-2")]
    [InlineData(AF_INET, 0, 0, SOCK_STREAM)]
    [InlineData(AF_INET, SOCK_STREAM, 0, SOCK_STREAM)]
    [InlineData(AF_INET, 0, IPPROTO_TCP, SOCK_STREAM)]
    [InlineData(0, 0, IPPROTO_TCP, SOCK_STREAM)]
    [InlineData(0, 0, IPPROTO_UDP, SOCK_DGRAM)]
    [InlineData(AF_INET6, SOCK_DGRAM, 0, SOCK_DGRAM)]
    public void WS22_Socket_PicksTheFirstMatchingEntry_ZeroMatchesAny(int af, int type, int protocol, int expectedType)
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        nuint s = Ws2.socket(af, type, protocol);

        Assert.NotEqual(INVALID_SOCKET, s);
        var provider = Assert.Single(_kit.Base.Loads);
        Assert.True(provider.Inner.Sockets.TryGetInfo(new SocketHandle(s), out var info));
        Assert.Equal(expectedType, (int)info.SocketType);
    }
}
