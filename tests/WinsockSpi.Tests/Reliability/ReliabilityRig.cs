using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Ws2;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The reliability suites' own arrangement: one process on one network, a provider on fake time (optionally under a
/// layered provider), and a harness listener whose accepted connections the suites drive byte by byte.
/// </summary>
internal sealed class ReliabilityRig : IDisposable
{
    public ReliabilityRig(int sendBufferSize = 64, int peerBufferSize = 64, bool layered = false, bool sharedLower = false, bool ws2 = false, SimulatedNetwork? network = null)
    {
        Network = network ?? new SimulatedNetwork();
        Time = new FakeTimeProvider();
        Process = new SimulatedProcess(Network, Time);
        Runtime = new ProviderRuntime(new ProviderOptions
        {
            Process = Process,
            Network = Network,
            TimeProvider = Time,
            SendBufferSize = sendBufferSize,
        });
        Upcalls = new ProcessUpcalls(Process);
        if (layered)
        {
            Layer = new LayeredProvider(Runtime, new LayeredProviderOptions { Process = Process });
            if (sharedLower)
            {
                // Another client of the lower provider keeps it started for the whole run (LSP-1, defect 7's shape).
                Assert.Equal(WsaError.Success, Runtime.Startup(WinsockVersion.V2_2, out _, Upcalls));
            }
        }

        if (ws2)
        {
            // The catalog loads a provider of the same shape into the process on the first socket (WS2-2).
            var catalog = ProviderCatalog.CreateDefault(process => Loaded = new ProviderRuntime(new ProviderOptions
            {
                Process = process,
                TimeProvider = Time,
                SendBufferSize = sendBufferSize,
            }));
            Ws2 = new Ws2Adapter(new Ws2Api(Process, catalog));
        }

        Listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0), peerBufferSize);
    }

    /// <summary>Gets the Ws2 layer, when the rig drives one.</summary>
    public Ws2Adapter? Ws2 { get; }

    /// <summary>Gets the provider the Ws2 layer loaded most recently.</summary>
    public ProviderRuntime? Loaded { get; private set; }

    public SimulatedNetwork Network { get; }

    public FakeTimeProvider Time { get; }

    public SimulatedProcess Process { get; }

    public ProviderRuntime Runtime { get; }

    public LayeredProvider? Layer { get; }

    /// <summary>Gets the provider under test: the layer when there is one, the base provider otherwise.</summary>
    public IWspProvider Provider => Ws2 is not null ? Ws2 : Layer is null ? Runtime : Layer;

    public ProcessUpcalls Upcalls { get; }

    public PeerListener Listener { get; }

    /// <summary>Creates a stream socket through <see cref="Provider"/> and connects it to the listener.</summary>
    public SocketHandle Connect(out RemotePeer peer)
    {
        var s = Provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Provider.Connect(s, Listener.EndPoint).ThrowIfFailed();
        peer = Listener.Accept();
        return s;
    }

    /// <summary>Makes a connected pair of two sockets of the provider (listen, connect, accept): no harness peer between them.</summary>
    public (SocketHandle Client, SocketHandle Server) SocketPair()
    {
        var listening = Provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Provider.Bind(listening, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        Provider.Listen(listening, 4).ThrowIfFailed();
        var endPoint = Provider.GetSockName(listening).ThrowIfFailed();
        var client = Provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Provider.Connect(client, endPoint).ThrowIfFailed();
        var server = Provider.Accept(listening).ThrowIfFailed();
        Provider.CloseSocket(listening).ThrowIfFailed();
        return (client, server);
    }

    public void Dispose()
    {
        Layer?.Dispose();
        Runtime.Dispose();
        Process.Terminate();
        Listener.Dispose();
    }
}
