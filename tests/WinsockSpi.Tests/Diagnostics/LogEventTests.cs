using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Namespaces;
using WinsockSpi.Network;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Diagnostics;

/// <summary>
/// The log event ids of docs/logging.md: each documented id is emitted by the scenario that should emit it, with its
/// documented name and level; the table matches the library's <c>[LoggerMessage]</c> declarations exactly; and the
/// expected Winsock errors are logged at Debug, never at Error.
/// </summary>
public sealed partial class LogEventTests
{
    private static readonly Guid s_namespaceId = new("22059d40-7e9e-11cf-ae5a-00aa00a7112b");
    private static readonly Guid s_unknownNamespaceId = new("03fe89ce-766d-4976-b9c1-bb9bc42c7b4d");

    /// <summary>Each documented event id and the scenario that should emit it; the scenario gives every record it produced.</summary>
    private static readonly Dictionary<int, Func<IReadOnlyList<FakeLogRecord>>> s_scenarios = new()
    {
        [1001] = () => WithProvider(_ => { }),
        [1002] = () => WithProvider(h => Assert.Equal(WsaError.VersionNotSupported, h.Runtime.Startup(new WinsockVersion(1, 1), out _))),
        [1003] = () => WithProvider(h => Assert.True(h.Runtime.Cleanup().IsSuccess), startups: 2),
        [1004] = () => WithProvider(h => Assert.True(h.Runtime.Cleanup().IsSuccess)),
        [1005] = () => WithProvider(h => Assert.Equal(WsaError.NotInitialized, h.Runtime.Cleanup().Error), startups: 0),
        [1006] = () => WithProvider(h =>
        {
            h.Network.IsAvailable = false;
            Assert.Equal(WsaError.NetworkDown, h.Runtime.Cleanup().Error);
        }),
        [1007] = () => WithProvider(h => h.Process.Terminate()),
        [2001] = () => WithProvider(h => h.NewSocket()),
        [2002] = () => WithProvider(h => Assert.True(h.Runtime.CloseSocket(h.NewSocket()).IsSuccess)),
        [2003] = () => WithProvider(
            h =>
            {
                h.NewSocket();
                Assert.Equal(WsaError.TooManyOpenSockets, h.Runtime.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).Error);
            },
            configure: o => o.MaxSockets = 1),
        [2004] = () => WithProvider(h =>
        {
            var s = h.Connect(out var peer);
            h.SendUnread(s, 100);
            Assert.True(h.Runtime.SetLinger(s, enabled: true, seconds: 5).IsSuccess);
            var closer = h.StartBlocked(() => h.Runtime.CloseSocket(s));
            h.Time.Advance(TimeSpan.FromSeconds(5));
            Assert.True(TestThreads.Join(closer).IsSuccess);
            Assert.Equal(PeerState.Reset, peer.State);
        }),
        [2100] = () => WithProvider(h =>
        {
            using var peer = h.Network.BindDatagram(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            Assert.Equal(1, h.Runtime.SendTo(Datagrams.Socket(h), new byte[1], peer.LocalEndPoint).Value);
        }),
        [2101] = () => WithProvider(h =>
        {
            using var peer = h.Network.BindDatagram(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            var s = Datagrams.Bound(h, out var address);
            Assert.True(peer.SendTo(new byte[8], address));
            Assert.Equal(WsaError.MessageSize, h.Runtime.ReceiveFrom(s, new byte[2], null).Error);
        }),
        [2150] = () => WithProvider(h =>
        {
            var s = h.Connect(out var peer);
            var window = new SimulatedWindow(h.Process);
            h.Runtime.AsyncSelect(s, window, 0x401, WinsockSpi.Operations.NetworkEvents.Read).ThrowIfFailed();
            window.Destroy();
            peer.Write("x"u8);
            Assert.Equal(0, window.MessageCount);
        }),
        [3001] = () => WithProvider(h =>
        {
            var s = h.Connect(out _);
            var ov = h.PendReceive(s);
            Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
            Assert.Equal(WsaError.OperationAborted, ov.Error);
        }),
        [3002] = () => WithProvider(h =>
        {
            var s = h.Connect(out _);
            h.BlockingHook = () => h.Runtime.CancelBlockingCall().IsSuccess;
            Assert.Equal(WsaError.Interrupted, TestThreads.RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a blocking receive cancelled by its hook").Error);
        }),
        [3003] = () => WithProvider(h =>
        {
            var refusing = Substitute.For<IUpcalls>();
            refusing.QueryBlockingCallback().Returns((BlockingCallback?)null);
            refusing.QueueApc(null!, null!, null).ReturnsForAnyArgs(WsaError.InvalidParameter);
            h.Startup(refusing);
            var s = h.Connect(out var peer);
            var routine = new RoutineProbe();
            var ov = h.PendReceive(s, routine: routine.Routine);
            peer.Write("x"u8);
            Assert.Equal(WsaError.Success, ov.Error);
            Assert.Equal(0, h.Process.AlertableWait(TimeSpan.Zero));
            Assert.Equal(0, routine.Calls);
        }),
        [2200] = () => WithProvider(h =>
        {
            var s = h.Connect(out _);
            var selector = h.StartBlocked(() => h.Runtime.Select([s], null, null, TimeSpan.FromSeconds(1)));
            h.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(0, TestThreads.Join(selector).Value);
        }),
        [3100] = () => WithProvider(h => Assert.Equal(WsaError.InvalidArgument, h.Runtime.Ioctl(h.NewSocket(), ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER, Guid.NewGuid()).Error)),
        [3101] = () => WithProvider(h =>
        {
            var s = h.NewSocket();
            Assert.True(h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).IsSuccess);
            Assert.Equal(WsaError.IOPending, h.Runtime.ConnectEx(s, new IPEndPoint(IPAddress.Loopback, 1), default, new WinsockSpi.Operations.WsaOverlapped()).Error);
        }),
        [4002] = () => WithProvider(h => Assert.Equal(WsaError.ConnectionRefused, h.Runtime.Connect(h.NewSocket(), new IPEndPoint(IPAddress.Loopback, 1)).Error)),
        [8050] = () => WithProvider(h => h.Connect()),
        [8051] = () => WithProvider(h => h.PendReceive(h.Connect(out _))),
        [8052] = () => WithProvider(h =>
        {
            var s = h.Connect(out var peer);
            h.PendReceive(s);
            peer.Write("x"u8);
        }),
        [6001] = () => WithLayer(h => new LayeredProvider(h.Runtime, h.LayerOptions()), layer => Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _))),
        [6002] = () => WithLayer(
            h => new LayeredProvider(WspProcTable.FromProvider(h.Runtime).Without(WspEntry.Send), h.LayerOptions()),
            layer => Assert.Equal(WsaError.InvalidProcedureTable, layer.Startup(WinsockVersion.V2_2, out _))),
        [6003] = () => WithLayer(
            h =>
            {
                h.Network.IsAvailable = false;
                return new LayeredProvider(h.Runtime, h.LayerOptions());
            },
            layer => Assert.Equal(WsaError.ProviderFailedInit, layer.Startup(WinsockVersion.V2_2, out _))),
        [6004] = () => WithLayer(h => new LayeredProvider(h.Runtime, h.LayerOptions()), layer =>
        {
            Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
            Assert.True(layer.Cleanup().IsSuccess);
        }),
        [6005] = () => WithLayer(
            h => new LayeredProvider(h.Runtime, h.LayerOptions()),
            layer => Assert.Equal(WsaError.ProviderFailedInit, layer.Startup(WinsockVersion.V2_2, out _)),
            configure: o => (o.LowestVersion, o.HighestVersion) = (new WinsockVersion(1, 1), new WinsockVersion(2, 0))),
        [6101] = () => WithNamespace(nsp => Assert.True(nsp.Startup(s_namespaceId).IsSuccess)),
        [6102] = () => WithNamespace(nsp =>
        {
            Assert.True(nsp.Startup(s_namespaceId).IsSuccess);
            Assert.True(nsp.Cleanup(s_namespaceId).IsSuccess);
        }),
        [6103] = () => WithNamespace(nsp => Assert.Equal(WsaError.NotInitialized, nsp.Cleanup(s_namespaceId).Error)),
        [7150] = () => WithWs2(ws2 =>
        {
            Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
            Assert.Equal(SOCKET_ERROR, ws2.select(0, new FdSet(), null, null, null));
            Assert.Equal((int)WsaError.InvalidArgument, ws2.WSAGetLastError());
        }),
        [7001] = () => WithWs2(ws2 => Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _))),
        [7002] = () => WithWs2(ws2 => Assert.Equal((int)WsaError.VersionNotSupported, ws2.WSAStartup(MAKEWORD(0, 0), out _))),
        [7003] = () => WithWs2(ws2 =>
        {
            Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
            Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
            Assert.Equal(0, ws2.WSACleanup());
        }),
        [7004] = () => WithWs2(ws2 =>
        {
            Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
            Assert.Equal(0, ws2.WSACleanup());
        }),
        [7005] = () => WithWs2(ws2 =>
        {
            Assert.Equal(SOCKET_ERROR, ws2.WSACleanup());
            Assert.Equal((int)WsaError.NotInitialized, ws2.WSAGetLastError());
        }),
        [7006] = () => WithWs2(ws2 =>
        {
            Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
            Assert.NotEqual(INVALID_SOCKET, ws2.socket(AF_INET, SOCK_STREAM, 0));
        }),
        [7007] = () => WithWs2(
            ws2 =>
            {
                Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
                Assert.Equal(INVALID_SOCKET, ws2.socket(AF_INET, SOCK_STREAM, 0));
                Assert.Equal((int)WsaError.SystemNotReady, ws2.WSAGetLastError());
            },
            networkAvailable: false),
        [7008] = () => WithWs2(
            ws2 =>
            {
                Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
                ws2.gethostbyname("localhost");
            },
            configureCatalog: (catalog, network, factory) => catalog.AddNamespace(new NamespaceCatalogEntry(
                "knows one of its two ids",
                [s_namespaceId, s_unknownNamespaceId],
                _ => new NamespaceProvider([s_namespaceId], network, factory)))),
        [7100] = () => WithWs2(
            ws2 =>
            {
                Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
                var window = new SimulatedWindow(ws2.Process);
                Assert.NotEqual(0, ws2.WSAAsyncGetHostByName(window, 0x402, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT));
                ((FakeTimeProvider)ws2.Process.TimeProvider).Advance(Ws2Api.DefaultAsyncRequestDelay);
                Assert.Equal(1, window.MessageCount);
            },
            time: new FakeTimeProvider()),
        [7101] = () => WithWs2(
            ws2 =>
            {
                Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));
                var window = new SimulatedWindow(ws2.Process);
                nint task = ws2.WSAAsyncGetHostByName(window, 0x402, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT);
                Assert.Equal(0, ws2.WSACancelAsyncRequest(task));
            },
            time: new FakeTimeProvider()),
    };

    /// <summary>Gets every event id docs/logging.md documents.</summary>
    public static TheoryData<int> DocumentedIds => [.. DocumentedEvents().Keys];

    [Theory]
    [MemberData(nameof(DocumentedIds))]
    public void DocumentedEvent_IsEmittedByItsScenario_WithItsNameAndLevel(int id)
    {
        var documented = DocumentedEvents()[id];
        Assert.True(s_scenarios.TryGetValue(id, out var scenario), $"docs/logging.md documents event {id} ({documented.Name}) but no scenario here emits it.");

        var records = scenario().Where(r => r.Id.Id == id).ToList();

        Assert.True(records.Count > 0, $"The scenario of event {id} ({documented.Name}) did not emit it.");
        Assert.All(records, r => Assert.Equal(documented.Name, r.Id.Name));
        Assert.All(records, r => Assert.Equal(documented.Level, r.Level));
    }

    [Fact]
    public void EveryScenario_IsOfADocumentedEvent()
    {
        var undocumented = s_scenarios.Keys.Except(DocumentedEvents().Keys).ToList();

        Assert.True(undocumented.Count == 0, $"Scenarios for ids docs/logging.md does not document: {string.Join(", ", undocumented)}");
    }

    [Fact]
    public void TheDocumentedTable_IsExactlyTheLibrarysLoggerMessages()
    {
        var declared = typeof(ProviderRuntime).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToDictionary(a => a.EventId, a => (Name: a.EventName!, a.Level));

        Assert.Equal(
            DocumentedEvents().OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value.Name} {e.Value.Level}"),
            declared.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value.Name} {e.Value.Level}"));
    }

    [Fact]
    public void ExpectedWinsockErrors_AreNeverLoggedAtErrorOrAbove()
    {
        // Every scenario is an outcome the simulator exists to produce, failures included (refused versions,
        // cleanups without startup, full tables, refused connections, failed lower and namespace providers).
        var severe = s_scenarios
            .SelectMany(s => s.Value().Where(r => r.Level >= LogLevel.Error).Select(r => $"{s.Key}: {r.Id} {r.Level} {r.Message}"))
            .ToList();

        Assert.True(severe.Count == 0, $"Records at Error or above: {string.Join("; ", severe)}");
    }

    [Theory]
    [InlineData(1002)]
    [InlineData(1005)]
    [InlineData(2003)]
    [InlineData(4002)]
    [InlineData(6002)]
    [InlineData(6003)]
    [InlineData(6005)]
    [InlineData(6103)]
    [InlineData(7002)]
    [InlineData(7005)]
    [InlineData(7007)]
    [InlineData(7008)]
    public void AnExpectedWinsockError_IsLoggedAtDebug(int id)
    {
        var records = s_scenarios[id]().Where(r => r.Id.Id == id).ToList();

        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(LogLevel.Debug, r.Level));
    }

    /// <summary>Reads the event table of docs/logging.md: id, name and level of each row.</summary>
    private static Dictionary<int, (string Name, LogLevel Level)> DocumentedEvents()
        => Repository.ReadText("docs/logging.md").Split('\n')
            .Select(line => EventRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => (m.Groups[2].Value, Enum.Parse<LogLevel>(m.Groups[3].Value)));

    private static IReadOnlyList<FakeLogRecord> WithProvider(
        Action<ProviderHarness> scenario,
        int startups = 1,
        Action<ProviderOptions>? configure = null)
    {
        using var h = new ProviderHarness(startups: startups, configure: configure);
        scenario(h);
        return h.Logs.GetSnapshot();
    }

    private static IReadOnlyList<FakeLogRecord> WithLayer(
        Func<ProviderHarness, LayeredProvider> create,
        Action<LayeredProvider> scenario,
        Action<ProviderOptions>? configure = null)
    {
        using var h = new ProviderHarness(startups: 0, configure: configure);
        var layer = create(h);
        scenario(layer);
        h.Network.IsAvailable = true;
        return h.Logs.GetSnapshot();
    }

    private static IReadOnlyList<FakeLogRecord> WithNamespace(Action<NamespaceProvider> scenario)
    {
        using var factory = TestLogging.CreateFactory(out var logs);
        scenario(new NamespaceProvider([s_namespaceId], new SimulatedNetwork(), factory));
        return logs.GetSnapshot();
    }

    private static IReadOnlyList<FakeLogRecord> WithWs2(
        Action<Ws2Api> scenario,
        bool networkAvailable = true,
        Action<ProviderCatalog, SimulatedNetwork, ILoggerFactory>? configureCatalog = null,
        TimeProvider? time = null)
    {
        using var factory = TestLogging.CreateFactory(out var logs);
        var network = new SimulatedNetwork { IsAvailable = networkAvailable };
        using var process = new SimulatedProcess(network, time);
        var catalog = ProviderCatalog.CreateDefault(p => new ProviderRuntime(new ProviderOptions { Process = p, LoggerFactory = factory }));
        configureCatalog?.Invoke(catalog, network, factory);
        scenario(new Ws2Api(process, catalog, factory));
        return logs.GetSnapshot();
    }

    [GeneratedRegex(@"^\| (\d{4}) \| (\w+) \| (\w+) \|")]
    private static partial Regex EventRow();
}

/// <summary>Layer options that log through the harness's collector.</summary>
file static class LayerOptionsExtensions
{
    public static LayeredProviderOptions LayerOptions(this ProviderHarness h) => new() { LoggerFactory = h.LoggerFactory };
}
