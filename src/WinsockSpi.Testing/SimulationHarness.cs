using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;

namespace WinsockSpi.Testing;

/// <summary>
/// What every harness of the kit builds and checks: a <see cref="SimulatedNetwork"/> with a harness listener, a
/// <see cref="SimulatedProcess"/>, a <see cref="FakeTimeProvider"/> that moves only when the test says so, and a
/// <see cref="FakeLogCollector"/> that keeps every log record. <see cref="SpiHarness"/> adds a provider on top,
/// <see cref="Ws2Harness"/> the Ws2 API layer.
/// </summary>
/// <remarks>
/// <para>Disposing checks before it releases anything: that the watchdog did not have to end the process, that the
/// simulation's invariants hold (<see cref="ValidateInvariants"/>), and that no scripted peer of a listener made by
/// <see cref="AddPeerListener(PeerScript[])"/> failed an expectation. A failed check throws
/// <see cref="HarnessAssertionException"/> whose message ends with <see cref="DumpState"/>; everything is released
/// anyway.</para>
/// <para>Configure a harness from one thread; its queries, waits and blocking calls may be used from any.</para>
/// </remarks>
public abstract partial class SimulationHarness : IDisposable
{
    private readonly List<PeerListener> _listeners = [];
    private readonly ITimer? _watchdog;
    private readonly TimeSpan _watchdogLimit;
    private readonly int _peerSendBufferSize;
    private int _watchdogFired;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="SimulationHarness"/> class: network, process, clock, logs, listener.</summary>
    /// <param name="options">How to build it; the defaults when null.</param>
    protected SimulationHarness(HarnessOptions? options)
    {
        options ??= new HarnessOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.WaitLimit, TimeSpan.Zero);
        WaitLimit = options.WaitLimit;
        _watchdogLimit = options.Watchdog;
        _peerSendBufferSize = options.PeerSendBufferSize;
        Network = options.Network ?? new SimulatedNetwork();
        Process = new SimulatedProcess(Network);
        Time = new FakeTimeProvider();
        LoggerFactory = CreateLoggerFactory(Time, RunLogHooks, out var logs);
        Logs = logs;
        Listener = AddPeerListener();
        if (_watchdogLimit != Timeout.InfiniteTimeSpan)
        {
            // A blocking call on the test thread that nobody releases cannot be bounded by the kit; ending the process
            // releases it (PRC-2), and Dispose reports the hang.
            _watchdog = TimeProvider.System.CreateTimer(
                static state => ((SimulationHarness)state!).OnWatchdog(),
                this,
                _watchdogLimit,
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Gets the network: the harness listeners, the peers, and other harnesses given it.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Gets the simulated process; terminated when the harness is disposed.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets the clock of the simulation: linger and blocking-hook timers move only when the test advances it.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Gets every record the simulation logged, at every level.</summary>
    public FakeLogCollector Logs { get; }

    /// <summary>Gets the logger factory given to the simulation; give it to your own components to collect their records too.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Gets the harness listener (no script) that the harness's <c>Connect</c> methods connect to.</summary>
    public PeerListener Listener { get; }

    /// <summary>Gets the bound of every wait of the kit (<see cref="HarnessOptions.WaitLimit"/>).</summary>
    public TimeSpan WaitLimit { get; }

    /// <summary>Gets the pending operations and blocked calls of the simulation (of every provider the harness loaded).</summary>
    public abstract IPendingOperationRegistry Operations { get; }

    /// <summary>
    /// Starts a harness listener on a free loopback port of <see cref="Network"/>. Each connection that arrives takes the
    /// next of <paramref name="scripts"/> (<see cref="PeerListener.Script(PeerScript[])"/>); with none given, or once they
    /// are taken, connections wait for <see cref="PeerListener.Accept"/>. The harness closes the listener when disposed,
    /// and fails its disposal when a scripted peer failed.
    /// </summary>
    /// <param name="scripts">The scripts of the next connections, in order.</param>
    /// <returns>The listener; connect to its <see cref="PeerListener.EndPoint"/>.</returns>
    public PeerListener AddPeerListener(params PeerScript[] scripts)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        var listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0), _peerSendBufferSize);
        listener.Script(scripts);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return listener;
    }

    /// <summary>
    /// Checks that every script given to the harness's listeners ran to its end: taken by a connection, and
    /// <see cref="ScriptedPeerStatus.Completed"/>, <see cref="ScriptedPeerStatus.Stalled"/> or
    /// <see cref="ScriptedPeerStatus.Refused"/>; and that every script of a datagram peer made by
    /// <see cref="AddDatagramPeer"/> completed or stalled.
    /// </summary>
    /// <exception cref="HarnessAssertionException">A script failed, still waits, or no connection took it; the message names it and ends with the state dump.</exception>
    public void AssertScriptsCompleted()
    {
        var problems = new List<string>();
        foreach (var listener in Listeners())
        {
            foreach (var run in listener.ScriptedPeers)
            {
                if (run.Status is ScriptedPeerStatus.Failed or ScriptedPeerStatus.Waiting)
                {
                    problems.Add(run.ToString());
                }
            }

            if (listener.ScriptsWaiting > 0)
            {
                problems.Add($"{listener}: {listener.ScriptsWaiting} scripts were never taken by a connection");
            }
        }

        problems.AddRange(UnfinishedDatagramScripts());

        if (problems.Count > 0)
        {
            throw new HarnessAssertionException(Failure($"Expected every peer script to run to its end:\n  {string.Join("\n  ", problems)}"));
        }
    }

    /// <summary>Describes the whole simulation: the layer under test (sockets, operations, blocked calls) and the network.</summary>
    /// <returns>The text, as it ends every failure message of the kit.</returns>
    public abstract string DumpState();

    /// <summary>Checks the simulation's invariants (the provider's bookkeeping is consistent).</summary>
    /// <exception cref="HarnessAssertionException">An invariant does not hold; the message names it and ends with the state dump.</exception>
    public abstract void ValidateInvariants();

    /// <summary>Checks that the layer under test holds nothing and could be unloaded (CLN-8), and that its invariants hold.</summary>
    /// <exception cref="HarnessAssertionException">Something is still held; the message is the state dump.</exception>
    public abstract void AssertUnloadReady();

    /// <summary>Checks, then releases everything: see the remarks of <see cref="SimulationHarness"/>.</summary>
    /// <exception cref="HarnessAssertionException">A check failed (everything is released anyway).</exception>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Makes a failure message: <paramref name="message"/>, then the state dump.</summary>
    /// <param name="message">What was expected and what was found.</param>
    /// <returns>The message.</returns>
    public string Failure(string message) => $"{message}\n--- state ---\n{DumpState()}";

    /// <summary>Checks, then releases. A derived harness releases its own layer first, then calls this.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    /// <exception cref="HarnessAssertionException">A check failed (everything is released anyway).</exception>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        _watchdog?.Dispose();
        try
        {
            if (Volatile.Read(ref _watchdogFired) != 0)
            {
                throw new HarnessAssertionException(Failure(
                    $"The test still ran {_watchdogLimit.TotalSeconds:0.###} s after its harness was made: the watchdog ended the provider's process to release a call that never returned."));
            }

            ValidateInvariants();
            var failed = Listeners().SelectMany(l => l.ScriptedPeers).Where(r => r.Status == ScriptedPeerStatus.Failed).Select(r => r.Failure).Concat(FailedDatagramScripts()).ToList();
            if (failed.Count > 0)
            {
                throw new HarnessAssertionException(Failure($"A scripted peer's expectation failed:\n  {string.Join("\n  ", failed)}"));
            }
        }
        finally
        {
            ReleaseLayer();
            Process.Terminate();
            foreach (var listener in Listeners())
            {
                listener.Dispose();
            }

            ReleaseDatagramPeers();

            LoggerFactory.Dispose();
        }
    }

    /// <summary>Releases the layer under test (called by <see cref="Dispose(bool)"/> after its checks, before the process ends).</summary>
    protected abstract void ReleaseLayer();

    private PeerListener[] Listeners()
    {
        lock (_listeners)
        {
            return [.. _listeners];
        }
    }

    private void OnWatchdog()
    {
        Volatile.Write(ref _watchdogFired, 1);
        Process.Terminate();
    }
}
