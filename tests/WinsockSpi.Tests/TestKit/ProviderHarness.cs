using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// The one arrangement tests start from: a provider started in its own <see cref="SimulatedProcess"/> on a
/// <see cref="SimulatedNetwork"/> with a harness listener, time on a <see cref="FakeTimeProvider"/>, every log record
/// collected by a <see cref="FakeLogCollector"/>, and every upcall recorded (an NSubstitute spy that forwards to the
/// process's <see cref="ProcessUpcalls"/>). Disposing always checks the provider's invariants first, so a test that
/// leaves the bookkeeping inconsistent fails even when its own assertions passed.
/// </summary>
/// <remarks>
/// The harness uses no test framework: a failed expectation throws <see cref="HarnessAssertionException"/>. It is not
/// thread-safe to configure; its queries may be read from any thread.
/// </remarks>
internal sealed partial class ProviderHarness : IDisposable
{
    /// <summary>
    /// How long a harness may live before its watchdog ends the provider's process: far beyond any test (the slowest
    /// race takes about 2 s), it only bounds a test whose blocking call on its own thread never returns.
    /// </summary>
    public static readonly TimeSpan WatchdogLimit = TimeSpan.FromSeconds(30);

    private readonly ITimer _watchdog;
    private readonly TimeSpan _watchdogLimit;
    private int _watchdogFired;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ProviderHarness"/> class and starts the provider.</summary>
    /// <param name="sendBufferSize">The provider's send buffer per connection (<see cref="ProviderOptions.SendBufferSize"/>).</param>
    /// <param name="peerSendBufferSize">The harness listener's send buffer per connection; 0 for the network's default.</param>
    /// <param name="blockingHookInterval">How often a blocked call runs the blocking hook; 100 ms (fake time) when null.</param>
    /// <param name="network">A network shared with other harnesses; a new one when null.</param>
    /// <param name="startups">How many successful <c>WSPStartup</c> calls to make (0 leaves the provider unstarted).</param>
    /// <param name="maxProcesses">The provider's process limit (<see cref="ProviderOptions.MaxProcesses"/>); 0 for none.</param>
    /// <param name="configure">Changes the provider's options before it is created (the harness's process, clock and logger are already set).</param>
    /// <param name="watchdog">How long the harness may live before it ends the process; <see cref="WatchdogLimit"/> when null.</param>
    public ProviderHarness(
        int sendBufferSize = 64 * 1024,
        int peerSendBufferSize = 0,
        TimeSpan? blockingHookInterval = null,
        SimulatedNetwork? network = null,
        int startups = 1,
        int maxProcesses = 0,
        Action<ProviderOptions>? configure = null,
        TimeSpan? watchdog = null)
    {
        _watchdogLimit = watchdog ?? WatchdogLimit;
        Network = network ?? new SimulatedNetwork();
        Process = new SimulatedProcess(Network);
        Time = new FakeTimeProvider();
        LoggerFactory = TestLogging.CreateFactory(out var logs, Time, RunLogHooks);
        Logs = logs;
        var options = new ProviderOptions
        {
            Process = Process,
            SendBufferSize = sendBufferSize,
            TimeProvider = Time,
            MaxProcesses = maxProcesses,
            BlockingHookInterval = blockingHookInterval ?? TimeSpan.FromMilliseconds(100),
            LoggerFactory = LoggerFactory,
        };
        configure?.Invoke(options);
        Runtime = new ProviderRuntime(options);
        ProcessUpcalls = new ProcessUpcalls(Process);
        Upcalls = UpcallSpy.Forwarding(ProcessUpcalls);
        for (int i = 0; i < startups; i++)
        {
            Startup(Upcalls);
        }

        Listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0), peerSendBufferSize);

        // A blocking call that must stay on the test thread (its thread's APCs or blocking state matter) cannot go
        // through TestThreads.RunBounded; ending the process releases it (PRC-2), and Dispose reports the hang.
        _watchdog = TimeProvider.System.CreateTimer(
            static state => ((ProviderHarness)state!).OnWatchdog(),
            this,
            _watchdogLimit,
            Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the network: the harness listener, the peers, and other harnesses given it.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Gets the provider's process; terminated when the harness is disposed.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets the provider's clock. Linger and blocking-hook timers move only when the test advances it.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Gets every record the provider logged, at every level.</summary>
    public FakeLogCollector Logs { get; }

    /// <summary>Gets the logger factory given to the provider; give it to other components to collect their records too.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Gets the provider under test.</summary>
    public ProviderRuntime Runtime { get; }

    /// <summary>Gets the upcall table given to the harness's startups: a spy that forwards to <see cref="ProcessUpcalls"/>.</summary>
    public IUpcalls Upcalls { get; }

    /// <summary>Gets the process's real upcall table behind <see cref="Upcalls"/>.</summary>
    public ProcessUpcalls ProcessUpcalls { get; }

    /// <summary>Gets or sets the blocking hook the upcall table reports (WPUQueryBlockingCallback); null for none.</summary>
    public BlockingCallback? BlockingHook
    {
        get => ProcessUpcalls.BlockingHook;
        set => ProcessUpcalls.BlockingHook = value;
    }

    /// <summary>Gets the harness listener that <see cref="Connect()"/> connects to.</summary>
    public PeerListener Listener { get; }

    /// <summary>Gets how many completion routines were queued through the upcall table (WPUQueueApc).</summary>
    public int ApcCount => Upcalls.ApcContexts().Count;

    /// <summary>Gets how many completions were made known through the upcall table (WPUCompleteOverlappedRequest).</summary>
    public int CompletionCount => Upcalls.Completions().Count;

    /// <summary>Gets every notification made through the upcall table so far.</summary>
    public int NotificationCount => ApcCount + CompletionCount;

    /// <summary>Gives how many notifications (routine queued, or completion made known) one operation received.</summary>
    /// <param name="overlapped">The operation.</param>
    /// <returns>The number of notifications.</returns>
    public int NotificationsOf(WsaOverlapped overlapped) => Upcalls.NotificationsOf(overlapped);

    /// <summary>Starts the provider once more (version 2.2) with <paramref name="upcalls"/>.</summary>
    /// <param name="upcalls">The upcall table to give WSPStartup; null keeps the current one (STA-7).</param>
    /// <exception cref="HarnessAssertionException">The startup failed; the message names its error.</exception>
    public void Startup(IUpcalls? upcalls)
    {
        var error = Runtime.Startup(WinsockVersion.V2_2, out _, upcalls);
        if (error != WsaError.Success)
        {
            throw new HarnessAssertionException($"Expected WSPStartup to succeed; it gave {error.ToSymbol()} (startup count {Runtime.StartupCount}).");
        }
    }

    /// <summary>Creates an unconnected TCP socket.</summary>
    /// <returns>The handle.</returns>
    public SocketHandle NewSocket() => Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

    /// <summary>Creates a socket, connects it (blocking connect) to the harness listener, and accepts its far end.</summary>
    /// <returns>The connected socket and its peer.</returns>
    public (SocketHandle Socket, RemotePeer Peer) Connect()
    {
        var s = NewSocket();
        Runtime.Connect(s, Listener.EndPoint).ThrowIfFailed();
        return (s, Listener.Accept());
    }

    /// <summary>Creates a socket, connects it to the harness listener and hands back the far end.</summary>
    /// <param name="peer">The far end.</param>
    /// <returns>The connected socket.</returns>
    public SocketHandle Connect(out RemotePeer peer)
    {
        (var s, peer) = Connect();
        return s;
    }

    /// <summary>Creates a socket bound to a free port and listening with <paramref name="backlog"/>.</summary>
    /// <param name="backlog">The listen backlog.</param>
    /// <param name="endPoint">The address it listens on.</param>
    /// <returns>The listening socket.</returns>
    public SocketHandle ListenOnFreePort(int backlog, out EndPoint endPoint)
    {
        var s = NewSocket();
        Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        Runtime.Listen(s, backlog).ThrowIfFailed();
        endPoint = Runtime.GetSockName(s).ThrowIfFailed();
        return s;
    }

    /// <summary>Creates a socket bound to a free port and listening with <paramref name="backlog"/>.</summary>
    /// <param name="backlog">The listen backlog.</param>
    /// <returns>The listening socket.</returns>
    public SocketHandle Listen(int backlog = 5) => ListenOnFreePort(backlog, out _);

    /// <summary>
    /// Makes a connected pair between two providers: <paramref name="server"/> listens on a free port and accepts, this
    /// harness's provider connects. Give the server harness this harness's <see cref="Network"/>.
    /// </summary>
    /// <param name="server">The accepting side; this harness itself for a pair inside one provider.</param>
    /// <returns>The connecting socket (in this provider) and the accepted one (in the server's).</returns>
    /// <exception cref="HarnessAssertionException">The accept did not return within <see cref="TestThreads.WaitLimit"/>.</exception>
    public (SocketHandle Client, SocketHandle Server) ConnectTo(ProviderHarness server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var listener = server.ListenOnFreePort(5, out var endPoint);
        var client = NewSocket();
        Runtime.Connect(client, endPoint).ThrowIfFailed();
        var accepted = TestThreads.RunBounded(() => server.Runtime.Accept(listener), "the accept of a connection already queued").ThrowIfFailed();
        return (client, accepted);
    }

    /// <summary>Sends <paramref name="count"/> pattern bytes that the peer has not read yet (they fit the buffers).</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="seed">Selects the pattern (<see cref="TestData.Pattern(int, int)"/>).</param>
    /// <returns>The bytes sent.</returns>
    /// <exception cref="HarnessAssertionException">The send did not take every byte at once.</exception>
    public byte[] SendUnread(SocketHandle s, int count, int seed = 1)
    {
        var data = TestData.Pattern(count, seed);
        var sent = TestThreads.RunBounded(() => Runtime.Send(s, data), "a send that should fit the buffers");
        if (!sent.IsSuccess || sent.Value != count)
        {
            throw new HarnessAssertionException($"Expected the send to take all {count} bytes at once; it gave {sent.Error.ToSymbol()} with {sent.Value} bytes.");
        }

        return data;
    }

    /// <summary>Starts an overlapped receive that must pend (no data is waiting).</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="size">The receive buffer's size.</param>
    /// <param name="ev">The event of the new overlapped object; none when null.</param>
    /// <param name="routine">A completion routine; none when null.</param>
    /// <returns>The pending operation's overlapped object.</returns>
    /// <exception cref="HarnessAssertionException">The receive did not give <c>WSA_IO_PENDING</c>.</exception>
    public WsaOverlapped PendReceive(SocketHandle s, int size = 16, WsaEvent? ev = null, CompletionRoutine? routine = null)
    {
        var ov = new WsaOverlapped(ev);
        var error = Runtime.Receive(s, new byte[size], ov, routine).Error;
        return error == WsaError.IOPending
            ? ov
            : throw new HarnessAssertionException($"Expected the receive to pend (WSA_IO_PENDING); it gave {error.ToSymbol()}.");
    }

    /// <summary>Starts an overlapped send that must pend (the connection's buffers are full).</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="data">The bytes to send.</param>
    /// <param name="ev">The event of the new overlapped object; none when null.</param>
    /// <param name="routine">A completion routine; none when null.</param>
    /// <returns>The pending operation's overlapped object.</returns>
    /// <exception cref="HarnessAssertionException">The send did not give <c>WSA_IO_PENDING</c>.</exception>
    public WsaOverlapped PendSend(SocketHandle s, byte[] data, WsaEvent? ev = null, CompletionRoutine? routine = null)
    {
        var ov = new WsaOverlapped(ev);
        var error = Runtime.Send(s, data, ov, routine).Error;
        return error == WsaError.IOPending
            ? ov
            : throw new HarnessAssertionException($"Expected the send to pend (WSA_IO_PENDING); it gave {error.ToSymbol()}.");
    }

    /// <summary>Starts <paramref name="call"/> on another thread and waits until it is blocked in the provider.</summary>
    /// <typeparam name="T">What the call returns.</typeparam>
    /// <param name="call">One blocking call of <see cref="Runtime"/>.</param>
    /// <returns>The blocked call; collect it with <see cref="TestThreads.Join{T}(Task{T}, string?)"/>.</returns>
    public Task<T> StartBlocked<T>(Func<T> call) => TestThreads.StartBlocked(Runtime, call);

    /// <summary>Checks that the provider holds nothing and could be unloaded (CLN-8), and that its invariants hold.</summary>
    /// <exception cref="HarnessAssertionException">Something is still held; the message lists what.</exception>
    public void AssertUnloadReady()
    {
        var held = new List<string>();
        if (Runtime.StartupCount != 0)
        {
            held.Add($"startup count {Runtime.StartupCount}");
        }

        if (Runtime.Sockets.Count != 0 || Runtime.Sockets.Snapshot().Count != 0)
        {
            held.Add($"{Runtime.Sockets.Count} sockets ({Runtime.Sockets.Snapshot().Count} in the snapshot)");
        }

        if (Runtime.Operations.PendingCount != 0 || Runtime.Operations.Snapshot().Count != 0)
        {
            held.Add($"{Runtime.Operations.PendingCount} pending operations ({Runtime.Operations.Snapshot().Count} in the snapshot)");
        }

        if (Runtime.Operations.BlockedCallCount != 0)
        {
            held.Add($"{Runtime.Operations.BlockedCallCount} blocked calls");
        }

        if (!Runtime.IsUnloadReady)
        {
            held.Add("IsUnloadReady is false");
        }

        if (held.Count != 0)
        {
            throw new HarnessAssertionException($"Expected the provider to be ready to unload, but it holds: {string.Join(", ", held)}.");
        }

        ValidateInvariants();
    }

    /// <summary>Runs the provider's invariant check.</summary>
    /// <exception cref="HarnessAssertionException">An invariant does not hold; the message is the check's.</exception>
    public void ValidateInvariants()
    {
        try
        {
            Runtime.ValidateInvariants();
        }
        catch (InvalidOperationException e)
        {
            throw new HarnessAssertionException($"The provider's invariants do not hold: {e.Message} ({Runtime}).", e);
        }
    }

    private void OnWatchdog()
    {
        Volatile.Write(ref _watchdogFired, 1);
        Process.Terminate();
    }

    /// <summary>Checks the provider's invariants, then unloads it, ends its process and closes the listener.</summary>
    /// <exception cref="HarnessAssertionException">An invariant did not hold (everything is released anyway).</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watchdog.Dispose();
        try
        {
            if (Volatile.Read(ref _watchdogFired) != 0)
            {
                throw new HarnessAssertionException(
                    $"The test still ran {_watchdogLimit.TotalSeconds:0.###} s after its harness was made: the watchdog ended the provider's process to release a call that never returned ({Runtime}).");
            }

            ValidateInvariants();
        }
        finally
        {
            Runtime.Dispose();
            Process.Terminate();
            Listener.Dispose();
            LoggerFactory.Dispose();
        }
    }
}
