using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// The repository's tests' harness: the public <see cref="SpiHarness"/> of the WinsockSpi.Testing package, with the
/// constructor and the few shorthands the tests were written against. Everything it builds and checks is the kit's.
/// </summary>
internal sealed class ProviderHarness : SpiHarness
{
    /// <summary>How long a harness may live before its watchdog ends the provider's process (<see cref="HarnessOptions.DefaultWatchdog"/>).</summary>
    public static readonly TimeSpan WatchdogLimit = HarnessOptions.DefaultWatchdog;

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
        : base(new HarnessOptions
        {
            SendBufferSize = sendBufferSize,
            PeerSendBufferSize = peerSendBufferSize,
            BlockingHookInterval = blockingHookInterval ?? TimeSpan.FromMilliseconds(100),
            Network = network,
            Startups = startups,
            MaxProcesses = maxProcesses,
            ConfigureProvider = configure,
            Watchdog = watchdog ?? WatchdogLimit,
            WaitLimit = TestThreads.WaitLimit,
        })
    {
    }

    /// <summary>
    /// Creates a harness whose provider notifies through the process's own upcall table, as ws2_32 would supply it, and
    /// has no logger: an overlapped operation whose only notification is its status is then published at once, under the
    /// provider's lock (the harness's recording table, a logger, a trace recorder or an enabled metric instrument make
    /// the delivery after the lock; the tests that enable instruments run alone, <see cref="MetricListeners"/>).
    /// </summary>
    /// <param name="sendBufferSize">The provider's send buffer per connection.</param>
    /// <returns>The started harness.</returns>
    public static ProviderHarness OnTheProcessTable(int sendBufferSize = 64 * 1024)
    {
        Assert.False(Telemetry.DeliveriesObserved, "A metric instrument is enabled: no operation would be published under the lock.");
        var h = new ProviderHarness(sendBufferSize: sendBufferSize, startups: 0, configure: o => o.LoggerFactory = NullLoggerFactory.Instance);
        h.Startup(h.ProcessUpcalls);
        return h;
    }

    /// <summary>Gets an extension function of the provider (SIO_GET_EXTENSION_FUNCTION_POINTER), as <c>WSAIoctl</c> would.</summary>
    /// <typeparam name="T">The function's delegate type (<see cref="AcceptExFunction"/>, ...).</typeparam>
    /// <param name="s">Any socket of the provider.</param>
    /// <param name="id">The function's GUID (<see cref="ExtensionFunctions.WSAID_ACCEPTEX"/>, ...).</param>
    /// <returns>The function.</returns>
    public T ExtensionFunction<T>(SocketHandle s, Guid id)
        where T : Delegate
        => (T)Runtime.Ioctl(s, ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER, id).ThrowIfFailed()!;

    /// <summary>Gets how many completion routines were queued through the upcall table (WPUQueueApc).</summary>
    public int ApcCount => Upcalls.ApcCount;

    /// <summary>Gets how many completions were made known through the upcall table (WPUCompleteOverlappedRequest).</summary>
    public int CompletionCount => Upcalls.CompletionCount;

    /// <summary>Gets every notification made through the upcall table so far.</summary>
    public int NotificationCount => Upcalls.NotificationCount;

    /// <summary>Gives how many notifications (routine queued, or completion made known) one operation received.</summary>
    /// <param name="overlapped">The operation.</param>
    /// <returns>The number of notifications.</returns>
    public int NotificationsOf(WsaOverlapped overlapped) => Upcalls.NotificationsOf(overlapped);

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
    public SocketHandle ListenOnFreePort(int backlog, out EndPoint endPoint) => ListenSocket(backlog, out endPoint);

    /// <summary>Creates a socket bound to a free port and listening with <paramref name="backlog"/>.</summary>
    /// <param name="backlog">The listen backlog.</param>
    /// <returns>The listening socket.</returns>
    public SocketHandle Listen(int backlog = 5) => ListenSocket(backlog, out _);

    /// <summary>Starts <paramref name="call"/> on another thread and waits until it is blocked in the provider.</summary>
    /// <typeparam name="T">What the call returns.</typeparam>
    /// <param name="call">One blocking call of <see cref="SpiHarness.Runtime"/>.</param>
    /// <returns>The blocked call; collect it with <see cref="TestThreads.Join{T}(Task{T}, string?, TimeSpan?)"/>.</returns>
    public Task<T> StartBlocked<T>(Func<T> call) => TestThreads.StartBlocked(Runtime, call);
}
