using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Testing;

/// <summary>
/// A harness for code that drives a service provider through the SPI: a <see cref="ProviderRuntime"/> started in the
/// harness's process, on its network, with the fake clock and the collecting logger, and an upcall table that records
/// every notification (<see cref="RecordingUpcalls"/>). Connected pairs, pending operations and blocking calls each take
/// one call; disposing checks the provider's invariants and reports scripted peers that failed.
/// </summary>
/// <example>
/// <code>
/// using var h = new SpiHarness();
/// var (s, peer) = h.Connect();
/// var receive = h.PendReceive(s);                  // WSA_IO_PENDING: the peer has not written
/// h.Runtime.Cleanup();                             // the final WSPCleanup
/// // receive.Error is WSA_OPERATION_ABORTED and h.Upcalls.NotificationsOf(receive) is 0 (CLN-4)
/// h.AssertUnloadReady();
/// </code>
/// </example>
/// <remarks>See <see cref="SimulationHarness"/> for what every harness builds and checks.</remarks>
public partial class SpiHarness : SimulationHarness
{
    /// <summary>Initializes a new instance of the <see cref="SpiHarness"/> class and starts the provider <see cref="HarnessOptions.Startups"/> times.</summary>
    /// <param name="options">How to build it; the defaults when null.</param>
    /// <exception cref="HarnessAssertionException">A startup failed.</exception>
    public SpiHarness(HarnessOptions? options = null)
        : base(options)
    {
        options ??= new HarnessOptions();
        var providerOptions = new ProviderOptions
        {
            Process = Process,
            SendBufferSize = options.SendBufferSize,
            TimeProvider = Time,
            MaxProcesses = options.MaxProcesses,
            BlockingHookInterval = options.BlockingHookInterval,
            LoggerFactory = LoggerFactory,
        };
        options.ConfigureProvider?.Invoke(providerOptions);
        Runtime = new ProviderRuntime(providerOptions);
        ProcessUpcalls = new ProcessUpcalls(Process);
        Upcalls = new RecordingUpcalls(ProcessUpcalls);
        for (int i = 0; i < options.Startups; i++)
        {
            Startup();
        }
    }

    /// <summary>Gets the provider under test.</summary>
    public ProviderRuntime Runtime { get; }

    /// <summary>Gets the upcall table the harness's startups give the provider: it records, then forwards to <see cref="ProcessUpcalls"/>.</summary>
    public RecordingUpcalls Upcalls { get; }

    /// <summary>Gets the process's upcall table behind <see cref="Upcalls"/>.</summary>
    public ProcessUpcalls ProcessUpcalls { get; }

    /// <summary>Gets or sets the blocking hook the upcall table reports (WPUQueryBlockingCallback); null for none.</summary>
    public BlockingCallback? BlockingHook
    {
        get => ProcessUpcalls.BlockingHook;
        set => ProcessUpcalls.BlockingHook = value;
    }

    /// <inheritdoc/>
    public override IPendingOperationRegistry Operations => Runtime.Operations;

    /// <summary>Calls WSPStartup (version 2.2) once more.</summary>
    /// <param name="upcalls">The upcall table to give it; <see cref="Upcalls"/> when null.</param>
    /// <exception cref="HarnessAssertionException">The startup failed; the message names its error.</exception>
    public void Startup(IUpcalls? upcalls = null)
    {
        var error = Runtime.Startup(WinsockVersion.V2_2, out _, upcalls ?? Upcalls);
        if (error != WsaError.Success)
        {
            throw new HarnessAssertionException(Failure($"Expected WSPStartup to succeed; it gave {error.ToSymbol()}."));
        }
    }

    /// <summary>Creates an unconnected TCP socket (WSPSocket).</summary>
    /// <returns>The handle.</returns>
    /// <exception cref="HarnessAssertionException">The provider refused.</exception>
    public SocketHandle NewSocket()
    {
        var r = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        return r.IsSuccess ? r.Value : throw new HarnessAssertionException(Failure($"Expected WSPSocket to succeed; it gave {r.Error.ToSymbol()}."));
    }

    /// <summary>Creates a socket, connects it (blocking connect) to <see cref="SimulationHarness.Listener"/>, and accepts its far end.</summary>
    /// <returns>The connected socket and its peer.</returns>
    /// <exception cref="HarnessAssertionException">The connect failed.</exception>
    public (SocketHandle Socket, RemotePeer Peer) Connect()
    {
        var s = ConnectSocket(Listener.EndPoint);
        return (s, Listener.Accept());
    }

    /// <summary>Creates a socket and connects it to a new listener whose first connection runs <paramref name="script"/>.</summary>
    /// <param name="script">What the far end does; its first steps run before this returns.</param>
    /// <returns>The connected socket and the run of the script.</returns>
    /// <exception cref="HarnessAssertionException">The connect failed.</exception>
    public (SocketHandle Socket, ScriptedPeer Peer) Connect(PeerScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var listener = AddPeerListener(script);
        var s = ConnectSocket(listener.EndPoint);
        return (s, listener.ScriptedPeers[0]);
    }

    /// <summary>Creates a socket and connects it (blocking connect) to <paramref name="remote"/>.</summary>
    /// <param name="remote">Where to connect.</param>
    /// <returns>The connected socket.</returns>
    /// <exception cref="HarnessAssertionException">The connect failed; the message names its error.</exception>
    public SocketHandle ConnectSocket(EndPoint remote)
    {
        var s = NewSocket();
        var r = Runtime.Connect(s, remote);
        return r.IsSuccess ? s : throw new HarnessAssertionException(Failure($"Expected the connect to {remote} to succeed; it gave {r.Error.ToSymbol()}."));
    }

    /// <summary>Creates a socket bound to a free loopback port and listening (WSPBind, WSPListen).</summary>
    /// <param name="backlog">The listen backlog.</param>
    /// <param name="endPoint">The address it listens on.</param>
    /// <returns>The listening socket.</returns>
    public SocketHandle ListenSocket(int backlog, out EndPoint endPoint)
    {
        var s = NewSocket();
        Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        Runtime.Listen(s, backlog).ThrowIfFailed();
        endPoint = Runtime.GetSockName(s).ThrowIfFailed();
        return s;
    }

    /// <summary>
    /// Makes a connected pair between two providers: <paramref name="server"/> listens on a free port and accepts, this
    /// harness's provider connects. Give the server harness this harness's <see cref="SimulationHarness.Network"/>.
    /// </summary>
    /// <param name="server">The accepting side; this harness itself for a pair inside one provider (<see cref="ConnectPair"/>).</param>
    /// <returns>The connecting socket (in this provider) and the accepted one (in the server's).</returns>
    /// <exception cref="HarnessAssertionException">The accept did not return within the wait limit.</exception>
    public (SocketHandle Client, SocketHandle Server) ConnectTo(SpiHarness server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var listener = server.ListenSocket(5, out var endPoint);
        var client = ConnectSocket(endPoint);
        var accepted = RunBounded(() => server.Runtime.Accept(listener), "the accept of a connection already queued").ThrowIfFailed();
        return (client, accepted);
    }

    /// <summary>Makes a connected pair of sockets inside this provider.</summary>
    /// <returns>The connecting socket and the accepted one.</returns>
    public (SocketHandle Client, SocketHandle Server) ConnectPair() => ConnectTo(this);

    /// <inheritdoc/>
    public override string DumpState() => $"{Runtime.DumpState()}\n{Network.DumpState()}";

    /// <inheritdoc/>
    public override void ValidateInvariants()
    {
        try
        {
            Runtime.ValidateInvariants();
        }
        catch (InvalidOperationException e)
        {
            throw new HarnessAssertionException(Failure($"The provider's invariants do not hold: {e.Message}"), e);
        }
    }

    /// <inheritdoc/>
    public override void AssertUnloadReady()
    {
        if (!Runtime.IsUnloadReady || Runtime.StartupCount != 0 || Runtime.Sockets.Count != 0 || Runtime.Operations.PendingCount != 0 || Runtime.Operations.BlockedCallCount != 0)
        {
            throw new HarnessAssertionException(Failure("Expected the provider to be ready to unload (CLN-8): no startup outstanding, no socket, no pending operation, no blocked call."));
        }

        ValidateInvariants();
    }

    /// <inheritdoc/>
    protected override void ReleaseLayer() => Runtime.Dispose();
}
