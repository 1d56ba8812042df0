using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Ws2;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Conformance;

public sealed partial class Ws2ConformanceTests
{
    [Fact]
    [Trait("Rule", "WS2-2")]
    public void WS22_SocketValues_RouteToTheProviderThatOwnsThem()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint a = Ws2.socket(AF_INET, SOCK_STREAM, 0);
        nuint b = Ws2.WSASocket(0, 0, 0, _kit.SecondEntry, 0, 0);
        var first = _kit.Base.Last;
        var second = _kit.Second.Last;
        Assert.Equal(1, first.Inner.Sockets.Count);
        Assert.Equal(1, second.Inner.Sockets.Count);

        Assert.Equal(0, Ws2.bind(b, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, Ws2.closesocket(b));

        Assert.Equal(1, first.Inner.Sockets.Count);
        Assert.Equal(0, second.Inner.Sockets.Count);
        Assert.Equal(0, Ws2.bind(a, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, Ws2.getsockname(a, out var name));
        Assert.True(first.Inner.Sockets.TryGetInfo(new SocketHandle(a), out var info));
        Assert.Equal(info.LocalEndPoint, name);
        Assert.True(Ws2.TryGetProvider(a, out var owner));
        Assert.Same(first, owner);
        Assert.False(Ws2.TryGetProvider(b, out _));
    }

    // ---- WS2-3: stale handles, extra cleanup, last error ----

    /// <summary>A port of Wine's test_WithWSAStartup: sockets and their duplicates are destroyed by WSACleanup.</summary>
    [Fact]
    [Trait("Rule", "WS2-3")]
    [Trait("Rule", "CLN-10")]
    public void WS23_AfterFinalCleanupAndNewStartup_EveryOldHandleAndDuplicateGivesNotSock()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var pairs = new List<(nuint Src, nuint Dst, nuint DupSrc, nuint DupDst)>();
        for (int i = 0; i < 8; i++)
        {
            var (src, dst) = Ws2TestKit.TcpSocketPair(Ws2);
            Assert.Equal(0, Ws2.WSADuplicateSocket(src, _kit.Process.Id, out nuint dupSrc));
            Assert.Equal(0, Ws2.WSADuplicateSocket(dst, _kit.Process.Id, out nuint dupDst));
            pairs.Add((src, dst, dupSrc, dupDst));
        }

        Assert.Equal(4, Ws2.send(pairs[0].Src, "TEST"u8, 4, 0));
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Ws2.WSASetLastError(0x0BAD);
        Assert.Equal(SOCKET_ERROR, Ws2.send(pairs[0].Src, "TEST"u8, 4, 0));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.send(pairs[0].Dst, "TEST"u8, 4, 0));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());

        var old = pairs.SelectMany(p => new[] { p.Src, p.DupSrc, p.Dst, p.DupDst }).ToArray();
        foreach (nuint s in old)
        {
            Ws2.WSASetLastError(0x0BAD);
            Assert.Equal(SOCKET_ERROR, Ws2.getsockname(s, out _));
            Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
        }

        // New sockets of the new session never answer to an old value (CLN-10).
        var fresh = Enumerable.Range(0, old.Length).Select(_ => Ws2.socket(AF_INET, SOCK_STREAM, 0)).ToArray();
        Assert.Empty(fresh.Intersect(old));
        foreach (nuint s in old)
        {
            Assert.Equal(SOCKET_ERROR, Ws2.closesocket(s));
            Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
        }

        Assert.All(fresh, s => Assert.Equal(0, Ws2.closesocket(s)));
        Assert.Equal(0, Ws2.WSACleanup());
        Ws2.WSASetLastError(0x0BAD);
        Assert.Equal(SOCKET_ERROR, Ws2.WSACleanup());
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "WS2-3")]
    public void WS23_OldHandles_BeforeANewStartup_GiveNotInitialised()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = Ws2.socket(AF_INET, SOCK_STREAM, 0);
        Assert.Equal(0, Ws2.WSADuplicateSocket(s, _kit.Process.Id, out nuint dup));
        Assert.Equal(0, Ws2.WSACleanup());

        foreach (nuint h in new[] { s, dup })
        {
            Assert.Equal(SOCKET_ERROR, Ws2.getsockname(h, out _));
            Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
            Assert.Equal(SOCKET_ERROR, Ws2.closesocket(h));
            Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
        }
    }

    [Fact]
    [Trait("Rule", "WS2-3")]
    public void WS23_ExtraWSACleanup_GivesSocketErrorAndNotInitialised_AndChangesNothing()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));
        Assert.Equal(0, Ws2.WSACleanup());
        var provider = _kit.Base.Last;

        Ws2.WSASetLastError(unchecked((int)0xdeadbeef));
        Assert.Equal(SOCKET_ERROR, Ws2.WSACleanup());
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.WSACleanup());
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());

        Assert.Equal(0, Ws2.StartupCount);
        Assert.Equal(1, provider.Cleanups);
    }

    [Fact]
    [Trait("Rule", "WS2-3")]
    public void WS23_SuccessfulWSACleanup_SetsTheCallingThreadsLastErrorToZero()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));

        Ws2.WSASetLastError((int)WsaError.NotSocket);
        Assert.Equal(0, Ws2.WSACleanup()); // not final
        Assert.Equal(0, Ws2.WSAGetLastError());

        Ws2.WSASetLastError((int)WsaError.NotSocket);
        Assert.Equal(0, Ws2.WSACleanup()); // final
        Assert.Equal(0, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "WS2-3")]
    public void WS23_LastError_BelongsToTheCallingThreadOfTheProcess()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(SOCKET_ERROR, Ws2.closesocket(0x1234));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());

        int workerBefore = -1, workerAfter = -1;
        var worker = new Thread(() =>
        {
            workerBefore = Ws2.WSAGetLastError();
            Ws2.socket(-1, SOCK_STREAM, 0);
            workerAfter = Ws2.WSAGetLastError();
        });
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromSeconds(20)));

        Assert.Equal(0, workerBefore);
        Assert.Equal((int)WsaError.AddressFamilyNotSupported, workerAfter);
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());

        using var otherProcess = new SimulatedProcess(_kit.Network);
        var other = new Ws2Api(otherProcess);
        Assert.Equal(0, other.WSAGetLastError());
        other.WSASetLastError(42);
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "WS2-3")]
    public void WS23_EveryCallBeforeWSAStartup_GivesNotInitialised()
    {
        const nuint s = 0x1234;
        int bytes = 7, flags = 0, transferred = 7, outFlags = 0;
        uint arg = 1;
        var ov = new WinsockSpi.Operations.WsaOverlapped(new WinsockSpi.Operations.WsaEvent());
        var calls = new (string Name, Func<bool> Failed)[]
        {
            ("socket", () => Ws2.socket(AF_INET, SOCK_STREAM, 0) == INVALID_SOCKET),
            ("WSASocket", () => Ws2.WSASocket(0, 0, 0, null, 0, 0) == INVALID_SOCKET),
            ("closesocket", () => Ws2.closesocket(s) == SOCKET_ERROR),
            ("send", () => Ws2.send(s, new byte[4], 4, 0) == SOCKET_ERROR),
            ("recv", () => Ws2.recv(s, new byte[4], 4, 0) == SOCKET_ERROR),
            ("WSASend", () => Ws2.WSASend(s, new byte[4], ref bytes, 0, ov, null) == SOCKET_ERROR),
            ("WSARecv", () => Ws2.WSARecv(s, new byte[4], ref bytes, ref flags, ov, null) == SOCKET_ERROR),
            ("WSAGetOverlappedResult", () => !Ws2.WSAGetOverlappedResult(s, ov, ref transferred, false, ref outFlags)),
            ("WSADuplicateSocket", () => Ws2.WSADuplicateSocket(s, _kit.Process.Id, out _) == SOCKET_ERROR),
            ("setsockopt", () => Ws2.setsockopt(s, SOL_SOCKET, SO_LINGER, new WinsockSpi.Sockets.LingerState(true, 0)) == SOCKET_ERROR),
            ("ioctlsocket", () => Ws2.ioctlsocket(s, FIONBIO, ref arg) == SOCKET_ERROR),
            ("bind", () => Ws2.bind(s, new IPEndPoint(IPAddress.Loopback, 0)) == SOCKET_ERROR),
            ("listen", () => Ws2.listen(s, 1) == SOCKET_ERROR),
            ("connect", () => Ws2.connect(s, new IPEndPoint(IPAddress.Loopback, 1)) == SOCKET_ERROR),
            ("accept", () => Ws2.accept(s) == INVALID_SOCKET),
            ("getsockname", () => Ws2.getsockname(s, out _) == SOCKET_ERROR),
            ("getpeername", () => Ws2.getpeername(s, out _) == SOCKET_ERROR),
            ("shutdown", () => Ws2.shutdown(s, SD_BOTH) == SOCKET_ERROR),
            ("WSAEventSelect", () => Ws2.WSAEventSelect(s, new WinsockSpi.Operations.WsaEvent(), FD_READ) == SOCKET_ERROR),
            ("WSAEnumNetworkEvents", () => Ws2.WSAEnumNetworkEvents(s, null, out _) == SOCKET_ERROR),
            ("WSACancelBlockingCall", () => Ws2.WSACancelBlockingCall() == SOCKET_ERROR),
            ("gethostbyname", () => Ws2.gethostbyname("localhost") is null),
            ("WSACleanup", () => Ws2.WSACleanup() == SOCKET_ERROR),
        };

        foreach (var (name, failed) in calls)
        {
            Ws2.WSASetLastError(0x0BAD);
            Assert.True(failed(), $"{name} should fail before WSAStartup");
            Assert.True((int)WsaError.NotInitialized == Ws2.WSAGetLastError(), $"{name} set {Ws2.WSAGetLastError()}");
        }

        Assert.Equal(7, bytes);
        Assert.Equal(7, transferred);
        Assert.False(ov.IsPending);
        Assert.Empty(_kit.Base.Loads);
    }

    // ---- NSP-1: WSACleanup cleans up the namespace providers the process started ----

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_WSAStartup_StartsNoNamespaceProvider()
    {
        var nsp = AddNamespaceProvider(s_dnsId);

        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));

        Assert.Empty(nsp.Loads);
        Assert.Empty(Ws2.LoadedNamespaceProviders);
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_FirstLookup_StartsEveryNamespaceProviderIdOnce()
    {
        var dns = AddNamespaceProvider(s_dnsId);
        var multi = AddNamespaceProvider(s_pnrpId, s_ldapId);
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.NotNull(Ws2.gethostbyname("localhost"));
        Assert.NotNull(Ws2.gethostbyname("127.0.0.1"));
        Assert.Null(Ws2.gethostbyname("no.such.host"));

        var d = Assert.Single(dns.Loads);
        var m = Assert.Single(multi.Loads);
        Assert.Equal(1, d.StartupCalls(s_dnsId));
        Assert.Equal(1, m.StartupCalls(s_pnrpId));
        Assert.Equal(1, m.StartupCalls(s_ldapId));
        Assert.Equal(2, Ws2.LoadedNamespaceProviders.Count);
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_FinalWSACleanup_CleansUpEachNamespaceProviderIdOncePerStart()
    {
        var dns = AddNamespaceProvider(s_dnsId);
        var multi = AddNamespaceProvider(s_pnrpId, s_ldapId);
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotNull(Ws2.gethostbyname("localhost"));
        Assert.NotNull(Ws2.gethostbyname("localhost"));
        var d = dns.Last;
        var m = multi.Last;

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.DoesNotContain(d.Calls, c => c.StartsWith("cleanup", StringComparison.Ordinal));
        Assert.DoesNotContain(m.Calls, c => c.StartsWith("cleanup", StringComparison.Ordinal));

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(1, d.CleanupCalls(s_dnsId));
        Assert.Equal(1, m.CleanupCalls(s_pnrpId));
        Assert.Equal(1, m.CleanupCalls(s_ldapId));
        Assert.Equal(0, d.Count(s_dnsId));
        Assert.Equal(0, m.Count(s_pnrpId));
        Assert.Equal(0, m.Count(s_ldapId));
        Assert.True(d.IsDisposed);
        Assert.True(m.IsDisposed);
        Assert.Empty(Ws2.LoadedNamespaceProviders);
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_FailedNspStartup_IsNeverCleanedUp()
    {
        var multi = AddNamespaceProvider(s_pnrpId, s_ldapId);
        multi.FailOnFirstLoad = s_ldapId;
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.NotNull(Ws2.gethostbyname("localhost"));
        var m = multi.Last;
        Assert.Equal(1, m.StartupCalls(s_ldapId));
        Assert.Equal(0, m.Count(s_ldapId));

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(1, m.CleanupCalls(s_pnrpId));
        Assert.Equal(0, m.CleanupCalls(s_ldapId));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_FailedNspStartup_IsRetriedByTheNextLookup_AndThenCleanedUpOnce()
    {
        var multi = AddNamespaceProvider(s_pnrpId, s_ldapId);
        multi.FailOnFirstLoad = s_ldapId;
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotNull(Ws2.gethostbyname("localhost"));
        var m = Assert.Single(multi.Loads);
        m.FailingIds.Clear();

        Assert.NotNull(Ws2.gethostbyname("localhost"));

        Assert.Single(multi.Loads);
        Assert.Equal(2, m.StartupCalls(s_ldapId));
        Assert.Equal(1, m.StartupCalls(s_pnrpId));
        Assert.Equal(1, m.Count(s_ldapId));
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.Equal(1, m.CleanupCalls(s_ldapId));
        Assert.Equal(1, m.CleanupCalls(s_pnrpId));
        Assert.Equal(0, m.Count(s_ldapId));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_WithoutALookup_FinalWSACleanupMakesNoNspCall()
    {
        var dns = AddNamespaceProvider(s_dnsId);
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, Ws2.socket(AF_INET, SOCK_STREAM, 0));

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Empty(dns.Loads);
    }

    private NamespaceFactory AddNamespaceProvider(params Guid[] ids)
    {
        var factory = new NamespaceFactory(ids);
        _kit.Catalog.AddNamespace(new NamespaceCatalogEntry($"fake {ids.Length}", ids, factory.Load));
        return factory;
    }

    /// <summary>Loads a fresh <see cref="FakeNamespaceProvider"/> each time and remembers every load.</summary>
    private sealed class NamespaceFactory(Guid[] ids)
    {
        private readonly List<FakeNamespaceProvider> _loads = [];

        /// <summary>Gets or sets an id whose NSPStartup fails in the first provider loaded.</summary>
        public Guid? FailOnFirstLoad { get; set; }

        public IReadOnlyList<FakeNamespaceProvider> Loads => [.. _loads];

        public FakeNamespaceProvider Last => _loads[^1];

        public WinsockSpi.Namespaces.INamespaceProvider Load(SimulatedProcess process)
        {
            var provider = new FakeNamespaceProvider(ids);
            if (_loads.Count == 0 && FailOnFirstLoad is { } failing)
            {
                provider.FailingIds.TryAdd(failing, true);
            }

            _loads.Add(provider);
            return provider;
        }
    }
}
