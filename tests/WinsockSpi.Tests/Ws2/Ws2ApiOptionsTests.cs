using System.Net;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>
/// The Ws2 layer's fit with the provider: <see cref="Ws2ApiOptions"/> (process or network, catalog, clock, logger),
/// <see cref="Ws2Api.Dispose"/>, the pending/blocked view <see cref="Ws2Api.Operations"/>, and the WSAE* constants.
/// </summary>
public sealed class Ws2ApiOptionsTests
{
    private static readonly IPEndPoint s_peerEndPoint = new(IPAddress.Loopback, 7000);

    [Fact]
    public void Defaults_AreAProcessOfItsOwn_TheDefaultCatalog_TheSystemClock_AndNoLogging()
    {
        var options = new Ws2ApiOptions();

        Assert.Null(options.Process);
        Assert.Null(options.Network);
        Assert.Null(options.Catalog);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Same(NullLoggerFactory.Instance, options.LoggerFactory);

        using var ws2 = new Ws2Api(options);
        Assert.False(ws2.Process.IsTerminated);
        Assert.Equal(
            [ProviderCatalog.FirstBaseEntryId, ProviderCatalog.FirstBaseEntryId + 1, ProviderCatalog.FirstBaseEntryId + 2, ProviderCatalog.FirstBaseEntryId + 3],
            ws2.Catalog.Entries.Select(e => e.CatalogEntryId));
        Assert.Equal(0, ws2.StartupCount);
    }

    [Fact]
    public void Network_WithoutAProcess_PutsTheLayersNewProcessOnIt_SoItsSocketsReachThatNetworksPeers()
    {
        var network = new SimulatedNetwork();
        var listener = network.Listen(s_peerEndPoint);
        using var ws2 = new Ws2Api(new Ws2ApiOptions { Network = network });

        Assert.Same(network, ws2.Process.Network);
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.connect(s, listener.EndPoint));
        var peer = listener.Accept();
        Assert.Equal(3, ws2.send(s, "abc"u8, 3, 0));
        Assert.Equal("abc"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    public void ProcessAndNetwork_ThatDisagree_AreMisuse_ArgumentException()
    {
        using var process = new SimulatedProcess(new SimulatedNetwork());

        var error = Assert.Throws<ArgumentException>(() => new Ws2Api(new Ws2ApiOptions { Process = process, Network = new SimulatedNetwork() }));

        Assert.Equal("Network", error.ParamName);
        using var agreeing = new Ws2Api(new Ws2ApiOptions { Process = process, Network = process.Network });
        Assert.Same(process, agreeing.Process);
    }

    [Fact]
    public void MissingSettings_AreMisuse_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new Ws2Api((Ws2ApiOptions)null!));
        Assert.Equal("TimeProvider", Assert.Throws<ArgumentNullException>(() => new Ws2Api(new Ws2ApiOptions { TimeProvider = null! })).ParamName);
        Assert.Equal("LoggerFactory", Assert.Throws<ArgumentNullException>(() => new Ws2Api(new Ws2ApiOptions { LoggerFactory = null! })).ParamName);
    }

    [Fact]
    public void TerminatedProcess_IsRefused_ObjectDisposedException()
    {
        var process = new SimulatedProcess();
        process.Terminate();

        Assert.Throws<ObjectDisposedException>(() => new Ws2Api(new Ws2ApiOptions { Process = process }));
    }

    [Fact]
    public void TimeProviderAndLoggerFactory_GoToTheLayer_AndToTheDefaultCatalogsBaseProvider()
    {
        var time = new FakeTimeProvider();
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        using var ws2 = new Ws2Api(new Ws2ApiOptions { TimeProvider = time, LoggerFactory = factory });

        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

        Assert.True(ws2.TryGetProvider(s, out var provider));
        var runtime = Assert.IsType<ProviderRuntime>(provider);
        Assert.Same(time, runtime.TimeProvider);
        Assert.Same(ws2.Process, runtime.Process);
        var records = logs.GetSnapshot();
        Assert.Contains(records, r => r.Category == "WinsockSpi.Ws2" && r.Id.Id == 7001);
        Assert.Contains(records, r => r.Category == "WinsockSpi.Provider");
    }

    [Fact]
    public void Dispose_EndsTheSessionAsTheFinalWSACleanupDoes_WhateverTheCount_AndTerminatesTheProcessItCreated()
    {
        var network = new SimulatedNetwork();
        var listener = network.Listen(s_peerEndPoint);
        var ws2 = new Ws2Api(new Ws2ApiOptions { Network = network });
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.connect(s, listener.EndPoint));
        var peer = listener.Accept();
        var runtime = Assert.IsType<ProviderRuntime>(Assert.Single(ws2.LoadedProviders));

        ws2.Dispose();

        Assert.True(ws2.IsDisposed);
        Assert.Equal(0, ws2.StartupCount);
        Assert.Empty(ws2.LoadedProviders);
        Assert.Equal(0, ws2.SocketCount);
        Assert.Equal(0, runtime.StartupCount);
        Assert.Equal(PeerState.Reset, peer.State); // CLN-6: the final cleanup resets live connections.
        Assert.True(ws2.Process.IsTerminated);
        Assert.Throws<ObjectDisposedException>(() => ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(SOCKET_ERROR, ws2.send(s, "a"u8, 1, 0));
        Assert.Equal(WSANOTINITIALISED, ws2.WSAGetLastError());
        ws2.Dispose(); // Idempotent.
    }

    [Fact]
    public void Dispose_OfALayerOverAGivenProcess_LeavesTheProcessRunning()
    {
        using var process = new SimulatedProcess();
        var ws2 = new Ws2Api(new Ws2ApiOptions { Process = process });
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));

        ws2.Dispose();

        Assert.False(process.IsTerminated);
        Assert.Empty(ws2.LoadedProviders);
        using var next = new Ws2Api(process);
        Assert.Equal(0, next.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.NotEqual(INVALID_SOCKET, next.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
    }

    [Fact]
    public void Operations_ShowThePendingOverlappedOperationsOfTheLoadedProviders_AsTheProviderShowsThem()
    {
        var network = new SimulatedNetwork();
        var listener = network.Listen(s_peerEndPoint);
        using var ws2 = new Ws2Api(new Ws2ApiOptions { Network = network });
        Assert.Equal(0, ws2.Operations.PendingCount);
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.connect(s, listener.EndPoint));
        var peer = listener.Accept();
        using var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        int bytes = 0, flags = 0;

        Assert.Equal(SOCKET_ERROR, ws2.WSARecv(s, new byte[16], ref bytes, ref flags, ov, null));
        Assert.Equal(WSA_IO_PENDING, ws2.WSAGetLastError());

        var pending = Assert.Single(ws2.Operations.Snapshot());
        Assert.Equal(1, ws2.Operations.PendingCount);
        Assert.Equal(s, pending.Socket.Value);
        Assert.Equal(OperationKind.Receive, pending.Kind);
        Assert.Same(ov, pending.Overlapped);
        var completedBefore = ws2.Operations.CompletedCount;

        peer.Write("x"u8);

        Assert.Equal(0, ws2.Operations.PendingCount);
        Assert.Equal(completedBefore + 1, ws2.Operations.CompletedCount);
    }

    [Fact]
    public async Task Operations_CountABlockedRecv_UntilThePeerWrites()
    {
        var network = new SimulatedNetwork();
        var listener = network.Listen(s_peerEndPoint);
        using var ws2 = new Ws2Api(new Ws2ApiOptions { Network = network });
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.Equal(0, ws2.connect(s, listener.EndPoint));
        var peer = listener.Accept();

        var received = Task.Run(() => ws2.recv(s, new byte[16], 16, 0), TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => ws2.Operations.BlockedCallCount == 1, TimeSpan.FromSeconds(30)), "recv blocks");
        Assert.Equal(OperationKind.Receive, Assert.Single(ws2.Operations.Snapshot()).Kind);
        peer.Write("hi"u8);

        Assert.Equal(2, await received);
        Assert.Equal(0, ws2.Operations.BlockedCallCount);
    }

    [Fact]
    public void ErrorConstants_NameEveryWinsockErrorCode_WithItsWsaErrorValue()
    {
        var constants = typeof(Ws2Constants).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        var codes = Enum.GetValues<WsaError>().Where(e => e.ToSymbol().StartsWith("WSA", StringComparison.Ordinal)).ToList();

        Assert.True(codes.Count > 40, $"only {codes.Count} codes");
        Assert.All(codes, code =>
        {
            Assert.True(constants.TryGetValue(code.ToSymbol(), out int value), $"Ws2Constants lacks {code.ToSymbol()}");
            Assert.Equal((int)code, value);
        });
        Assert.Equal(10038, WSAENOTSOCK);
        Assert.Equal(997, WSA_IO_PENDING);
        Assert.Equal(10093, WSANOTINITIALISED);
    }
}
