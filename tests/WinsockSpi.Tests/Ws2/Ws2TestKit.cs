using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>
/// One process with its Ws2 layer over a catalog whose base provider is a <see cref="CountingProvider"/>; a second
/// provider id is available for tests that need two providers. Disposing checks the invariants of every provider
/// loaded, then terminates the process; a watchdog ends the process of a test that hangs (see ProviderHarness).
/// </summary>
internal sealed class Ws2TestKit : IDisposable
{
    /// <summary>The catalog entry id of the second provider's TCP/IP entry.</summary>
    public const uint SecondEntryId = 2001;

    public static readonly Guid SecondProviderId = new("5c1e0d5e-0000-4000-8000-00000000c0de");

    private readonly ITimer _watchdog;
    private int _watchdogFired;

    public Ws2TestKit(Action<ProviderOptions>? configure = null, bool withSecondProvider = false)
    {
        Network = new SimulatedNetwork();
        Process = new SimulatedProcess(Network);
        Base = new CountingProviderFactory(ProviderOptions.DefaultProviderId, configure);
        Second = new CountingProviderFactory(SecondProviderId, configure);
        Catalog = ProviderCatalog.CreateDefault(Base.Load);
        if (withSecondProvider)
        {
            SecondEntry = Catalog.Add(new ProviderCatalogEntry(
                SecondEntryId, SecondProviderId, "Second [TCP/IP]", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, Second.Load));
        }

        Api = new Ws2Api(Process, Catalog);

        // As ProviderHarness: ending the process releases a blocking call on the test thread that never returned.
        _watchdog = TimeProvider.System.CreateTimer(
            static state =>
            {
                var kit = (Ws2TestKit)state!;
                Volatile.Write(ref kit._watchdogFired, 1);
                kit.Process.Terminate();
            },
            this,
            ProviderHarness.WatchdogLimit,
            Timeout.InfiniteTimeSpan);
    }

    public SimulatedNetwork Network { get; }

    public SimulatedProcess Process { get; }

    public CountingProviderFactory Base { get; }

    public CountingProviderFactory Second { get; }

    public ProviderCatalogEntry? SecondEntry { get; }

    public ProviderCatalog Catalog { get; }

    public Ws2Api Api { get; }

    /// <summary>The tcp_socketpair helper of Wine's tests: a connected pair made with socket, bind, listen, connect and accept.</summary>
    public static (nuint Src, nuint Dst) TcpSocketPair(Ws2Api ws2)
    {
        nuint server = ws2.socket(AF_INET, SOCK_STREAM, 0);
        Assert.NotEqual(INVALID_SOCKET, server);
        nuint src = ws2.socket(AF_INET, SOCK_STREAM, 0);
        Assert.NotEqual(INVALID_SOCKET, src);
        Assert.Equal(0, ws2.bind(server, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, ws2.getsockname(server, out var addr));
        Assert.Equal(0, ws2.listen(server, 1));
        Assert.Equal(0, ws2.connect(src, addr));
        nuint dst = ws2.accept(server);
        Assert.NotEqual(INVALID_SOCKET, dst);
        Assert.Equal(0, ws2.closesocket(server));
        return (src, dst);
    }

    /// <summary>Two datagram sockets: <c>Receiver</c> bound on loopback at <c>Address</c>, <c>Sender</c> unbound (its first send binds it).</summary>
    public static (nuint Receiver, nuint Sender, EndPoint Address) UdpPair(Ws2Api ws2)
    {
        nuint receiver = ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        nuint sender = ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        Assert.NotEqual(INVALID_SOCKET, receiver);
        Assert.NotEqual(INVALID_SOCKET, sender);
        Assert.Equal(0, ws2.bind(receiver, new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(0, ws2.getsockname(receiver, out var address));
        return (receiver, sender, address!);
    }

    /// <summary>Checks the invariants of every provider the catalog loaded, then ends the process (which unloads them).</summary>
    public void Dispose()
    {
        _watchdog.Dispose();
        try
        {
            if (Volatile.Read(ref _watchdogFired) != 0)
            {
                throw new HarnessAssertionException(
                    $"The test still ran {ProviderHarness.WatchdogLimit.TotalSeconds:0} s after its Ws2 kit was made: the watchdog ended the process to release a call that never returned.");
            }

            foreach (var load in Base.Loads.Concat(Second.Loads))
            {
                try
                {
                    load.Inner.ValidateInvariants();
                }
                catch (InvalidOperationException e)
                {
                    throw new HarnessAssertionException($"The invariants of {load.Inner} do not hold: {e.Message}", e);
                }
            }
        }
        finally
        {
            Process.Terminate();
        }
    }
}
