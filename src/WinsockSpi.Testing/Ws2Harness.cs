using System.Net;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Ws2;

namespace WinsockSpi.Testing;

/// <summary>
/// A harness for application code written against the Winsock API: a <see cref="Ws2Api"/> (ws2_32.dll of the harness's
/// process) with the default catalog, the fake clock and the collecting logger, started with <c>WSAStartup(2.2)</c>.
/// Give <see cref="Api"/> to the code under test and script its servers with
/// <see cref="SimulationHarness.AddPeerListener(PeerScript[])"/>.
/// </summary>
/// <example>
/// <code>
/// using var h = new Ws2Harness();
/// var server = h.AddPeerListener(new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close());
/// var client = new MyClient(h.Api, server.EndPoint);   // your code: socket, connect, send, recv on this thread
/// // client.Exchange("PING") returns "PONG" with no second thread: the script answers inside the client's send
/// h.AssertScriptsCompleted();
/// </code>
/// </example>
/// <remarks>
/// The loaded providers are created by the API layer with the harness's clock and logger; disposing checks each
/// one's invariants. See <see cref="SimulationHarness"/> for what every harness builds and checks.
/// </remarks>
public class Ws2Harness : SimulationHarness
{
    /// <summary>Initializes a new instance of the <see cref="Ws2Harness"/> class and calls <c>WSAStartup(2.2)</c> <see cref="HarnessOptions.Startups"/> times.</summary>
    /// <param name="options">How to build it (the provider options do not apply: the catalog's providers are used); the defaults when null.</param>
    /// <exception cref="HarnessAssertionException">A startup failed.</exception>
    public Ws2Harness(HarnessOptions? options = null)
        : base(options)
    {
        options ??= new HarnessOptions();
        Api = new Ws2Api(new Ws2ApiOptions { Process = Process, TimeProvider = Time, LoggerFactory = LoggerFactory });
        for (int i = 0; i < options.Startups; i++)
        {
            int error = Api.WSAStartup(0x0202, out _);
            if (error != 0)
            {
                throw new HarnessAssertionException(Failure($"Expected WSAStartup to succeed; it gave {((WsaError)error).ToSymbol()}."));
            }
        }
    }

    /// <summary>Gets the Winsock API of the harness's process.</summary>
    public Ws2Api Api { get; }

    /// <inheritdoc/>
    public override IPendingOperationRegistry Operations => Api.Operations;

    /// <summary>Gets the providers the API layer loaded that are <see cref="ProviderRuntime"/> instances (base providers).</summary>
    public IReadOnlyList<ProviderRuntime> LoadedRuntimes => [.. Api.LoadedProviders.OfType<ProviderRuntime>()];

    /// <summary>Creates a stream socket (socket), connects it (connect) to <see cref="SimulationHarness.Listener"/>, and accepts its far end.</summary>
    /// <returns>The connected socket and its peer.</returns>
    /// <exception cref="HarnessAssertionException">A call failed; the message names <c>WSAGetLastError</c>.</exception>
    public (nuint Socket, RemotePeer Peer) Connect()
    {
        var s = ConnectSocket(Listener.EndPoint);
        return (s, Listener.Accept());
    }

    /// <summary>Creates a stream socket and connects it to <paramref name="remote"/> (socket, connect).</summary>
    /// <param name="remote">Where to connect.</param>
    /// <returns>The connected socket.</returns>
    /// <exception cref="HarnessAssertionException">A call failed; the message names <c>WSAGetLastError</c>.</exception>
    public nuint ConnectSocket(EndPoint remote)
    {
        nuint s = Api.socket(Ws2Constants.AF_INET, Ws2Constants.SOCK_STREAM, Ws2Constants.IPPROTO_TCP);
        if (s == Ws2Constants.INVALID_SOCKET)
        {
            throw new HarnessAssertionException(Failure($"Expected socket() to succeed; WSAGetLastError gave {((WsaError)Api.WSAGetLastError()).ToSymbol()}."));
        }

        if (Api.connect(s, remote) != 0)
        {
            throw new HarnessAssertionException(Failure($"Expected connect() to {remote} to succeed; WSAGetLastError gave {((WsaError)Api.WSAGetLastError()).ToSymbol()}."));
        }

        return s;
    }

    /// <inheritdoc/>
    public override string DumpState()
    {
        var text = new StringBuilder();
        text.Append(Api).Append(", ").Append(Api.SocketCount).Append(" sockets, ").Append(Api.LoadedProviders.Count).Append(" providers loaded");
        foreach (var runtime in LoadedRuntimes)
        {
            text.Append('\n').Append(runtime.DumpState());
        }

        return text.Append('\n').Append(Network.DumpState()).ToString();
    }

    /// <inheritdoc/>
    public override void ValidateInvariants()
    {
        foreach (var runtime in LoadedRuntimes)
        {
            try
            {
                runtime.ValidateInvariants();
            }
            catch (InvalidOperationException e)
            {
                throw new HarnessAssertionException(Failure($"The invariants of {runtime} do not hold: {e.Message}"), e);
            }
        }
    }

    /// <inheritdoc/>
    public override void AssertUnloadReady()
    {
        if (Api.StartupCount != 0 || Api.SocketCount != 0 || Api.Operations.PendingCount != 0 || LoadedRuntimes.Any(r => !r.IsUnloadReady))
        {
            throw new HarnessAssertionException(Failure("Expected the API layer and its providers to hold nothing (WS2-2, CLN-8): no WSAStartup outstanding, no socket, no pending operation."));
        }

        ValidateInvariants();
    }

    /// <inheritdoc/>
    protected override void ReleaseLayer() => Api.Dispose();
}
