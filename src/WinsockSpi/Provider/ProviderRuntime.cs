using System.Diagnostics;
using Microsoft.Extensions.Logging;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;
using WinsockSpi.Threading;

namespace WinsockSpi.Provider;

/// <summary>
/// One Winsock service provider loaded in one <see cref="SimulatedProcess"/>: the WSPStartup/WSPCleanup
/// reference count, the socket table, the pending operations, and the exact rules for what is cancelled,
/// reset, drained and notified when a socket closes, when the final cleanup runs, or when the process dies.
/// </summary>
/// <remarks>
/// <para>Every member is thread-safe. One lock guards the provider's state; no notification (event, APC,
/// completion packet, blocking hook, logger) runs under it.</para>
/// <para>Simulated failures are returned as <see cref="WsaError"/> values; exceptions mean misuse of the .NET API.</para>
/// </remarks>
public sealed partial class ProviderRuntime : IWspProvider, IProcessMember, IDisposable
{
    [ThreadStatic]
    private static BlockingState? t_blocking;

    private readonly ProviderLock _lock = new();
    private readonly SocketTable<ProviderSocket> _table;
    private readonly Stack<ProviderSocket> _pool = new();
    private readonly List<LingeringClose> _lingering = [];
    private readonly ILogger _logger;
    private readonly WinsockVersion _lowest;
    private readonly WinsockVersion _highest;
    private readonly string _description;
    private readonly int _maxProcesses;
    private readonly TimeSpan _hookInterval;
    private readonly bool _windows10CloseStatus;
    private readonly SocketTableView _socketView;
    private readonly OperationRegistryView _operationView;
    private IUpcalls _upcalls;
    private int _startupCount;
    private int _pendingCount;
    private int _blockedCount;
    private long _finishedCount;
    private int _visitMark;
    private bool _unloaded;

    /// <summary>Loads a provider into a process.</summary>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range (for example <c>LowestVersion</c> above <c>HighestVersion</c>).</exception>
    /// <exception cref="ObjectDisposedException">The options name a process that has terminated.</exception>
    public ProviderRuntime(ProviderOptions? options = null)
    {
        options ??= new ProviderOptions();
        options.Validate();
        Process = options.Process ?? new SimulatedProcess(options.Network, options.TimeProvider);
        Network = Process.Network;
        ProviderId = options.ProviderId;
        TimeProvider = options.TimeProvider;
        SendBufferSize = options.SendBufferSize;
        DatagramReceiveBufferSize = options.DatagramReceiveBufferSize;
        _lowest = options.LowestVersion;
        _highest = options.HighestVersion;
        _description = options.Description.Length > Winsock.DescriptionMaxLength
            ? options.Description[..Winsock.DescriptionMaxLength]
            : options.Description;
        _maxProcesses = options.MaxProcesses;
        _hookInterval = options.BlockingHookInterval;
        _windows10CloseStatus = options.Windows10CloseStatus;
        _logger = options.LoggerFactory.CreateLogger("WinsockSpi.Provider");
        _table = new SocketTable<ProviderSocket>(options.MaxSockets, NetworkHandleTags.Of(Network));
        _upcalls = new ProcessUpcalls(Process);
        _socketView = new SocketTableView(this);
        _operationView = new OperationRegistryView(this);
        Process.Register(this);
        RegisterLive();
        SetUpLogging(options.LoggerFactory);
    }

    /// <summary>Gets the process the provider is loaded in.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets the network the provider's connections run on.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Gets the provider's id (catalog GUID).</summary>
    public Guid ProviderId { get; }

    /// <summary>Gets the clock used for linger timeouts and the blocking hook.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the send buffer of each connection (OVL-9).</summary>
    public int SendBufferSize { get; }

    /// <summary>Gets the upcall table in use: the one most recently given to <see cref="Startup"/> (STA-7), initially the process's.</summary>
    public IUpcalls Upcalls => Volatile.Read(ref _upcalls);

    /// <summary>Gets the number of successful startups not yet matched by a cleanup (STA-4).</summary>
    public int StartupCount
    {
        get
        {
            using (_lock.Enter())
            {
                return _startupCount;
            }
        }
    }

    /// <summary>
    /// Gets whether the provider could be unloaded now: no startup outstanding, no socket, no pending operation,
    /// no blocked call (CLN-8).
    /// </summary>
    public bool IsUnloadReady
    {
        get
        {
            using (_lock.Enter())
            {
                return _startupCount == 0 && _table.Count == 0 && _pendingCount == 0 && _blockedCount == 0 && _lingering.Count == 0
                    && DrainingDeliveries_NeedsLock() == 0;
            }
        }
    }

    /// <summary>Gets the socket table, for inspection.</summary>
    public ISocketTable Sockets => _socketView;

    /// <summary>Gets the pending operations, for inspection.</summary>
    public IPendingOperationRegistry Operations => _operationView;

    /// <summary>
    /// WSPStartup: starts the provider for the process, or counts one more startup (STA-1..8).
    /// </summary>
    /// <param name="requested">The version the caller asks for.</param>
    /// <param name="data">WSPDATA: on success wVersion = min(highest, requested) and wHighVersion = highest; default on failure.</param>
    /// <param name="upcalls">The upcall table; when given it replaces the one in use (STA-7).</param>
    /// <returns>
    /// <see cref="WsaError.Success"/> (0), or the error itself (STA-1): WSAVERNOTSUPPORTED below the lowest supported
    /// version, WSASYSNOTREADY while the network is unavailable, WSAEPROCLIM at the client-process limit, WSAEINPROGRESS
    /// from inside a blocking hook. A failed startup changes nothing (STA-4).
    /// </returns>
    /// <exception cref="ObjectDisposedException">The provider was unloaded (<see cref="Dispose"/>) or its process terminated.</exception>
    private WsaError StartupCore(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null)
    {
        data = default;
        WsaError error;
        int count;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            ObjectDisposedException.ThrowIf(_unloaded, this);
            error = requested < _lowest ? WsaError.VersionNotSupported
                : t_blocking is { InHook: true } ? WsaError.InProgress
                : !Network.IsAvailable ? WsaError.SystemNotReady
                : _startupCount == 0 ? ClientProcesses.Of(Network).TryAdd(ProviderId, Process.Id, _maxProcesses)
                : WsaError.Success;
            if (error == WsaError.Success)
            {
                _startupCount++;
                if (upcalls is not null)
                {
                    Volatile.Write(ref _upcalls, upcalls);
                }

                data = new WspData(WinsockVersion.Min(_highest, requested), _highest, _description);
            }

            count = _startupCount;
            AssertInvariants_NeedsLock();
        }

        if (error == WsaError.Success)
        {
            Log.StartupSucceeded(_logger, requested, data.Version, count);
        }
        else
        {
            Log.StartupFailed(_logger, requested, error, count);
        }

        return error;
    }

    /// <summary>
    /// WSPCleanup: drops one startup; the final one (count reaches 0) tears everything down (CLN-1..12).
    /// </summary>
    /// <returns>
    /// Success, or SOCKET_ERROR with WSANOTINITIALISED when nothing is started (nothing changes, CLN-2), or with
    /// WSAENETDOWN when the network has failed: the reference is released and the teardown done anyway (CLN-11).
    /// </returns>
    /// <remarks>
    /// <para>A non-final cleanup only decrements the count (CLN-3).</para>
    /// <para>The final cleanup aborts every pending overlapped operation with WSA_OPERATION_ABORTED and no
    /// notification at all (CLN-4), interrupts every blocking call with WSAEINTR (CLN-5), resets every open
    /// socket (CLN-6), leaves gracefully closed connections draining on the network (CLN-7), drops event-select
    /// associations (CLN-9), and returns with the provider ready to unload (CLN-8). It may be called from a
    /// completion routine or a blocking hook (CLN-12).</para>
    /// </remarks>
    private SpiResult CleanupCore()
    {
        var notifications = default(Notifications);
        TeardownReport report = default;
        bool final = false;
        bool notStarted = false;
        bool networkDown = false;
        int count;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            if (_startupCount == 0)
            {
                notStarted = true;
                count = 0;
            }
            else
            {
                networkDown = !Network.IsAvailable;
                count = --_startupCount;
                if (count == 0)
                {
                    final = true;
                    report = Teardown_NeedsLock(counted: true, ref notifications);
                }
            }

            AssertInvariants_NeedsLock();
        }

        if (notStarted)
        {
            Log.CleanupFailed(_logger, WsaError.NotInitialized);
            return WsaError.NotInitialized;
        }

        if (final)
        {
            DispatchTeardown(ref notifications);
            Log.FinalCleanup(_logger, report.Sockets, report.Aborted, report.Interrupted, report.Resets);
            Telemetry.OperationEnded("aborted", report.Aborted); // aborted without notification (CLN-4): counted here
        }
        else
        {
            Dispatch(ref notifications); // wakes interrupted threads and signals peers; nothing else is notified
            Log.CleanupNonFinal(_logger, count);
        }

        if (networkDown)
        {
            Log.CleanupNetworkDown(_logger, count);
            return WsaError.NetworkDown;
        }

        return SpiResult.Success;
    }

    /// <summary>
    /// Unloads the provider from its process. Outstanding startups are abandoned as if the process had ended
    /// (PRC-2): everything is released without notification. Later calls to <see cref="Startup"/> throw.
    /// </summary>
    public void Dispose()
    {
        Process.Unregister(this);
        Abandon(processEnded: false);
    }

    /// <summary>Shows the provider, its process and its count.</summary>
    /// <returns>The text.</returns>
    /// <remarks>Takes no lock (the count is read as it stands), so it may be called from anywhere, a section under the provider's lock included.</remarks>
    public override string ToString() => $"provider {ProviderId:B} in {Process} (count {Volatile.Read(ref _startupCount)})";

    void IProcessMember.OnProcessTerminated() => Abandon(processEnded: true);

    /// <summary>
    /// Throws when the provider's bookkeeping is inconsistent: the socket table, the pending and blocked counts, each
    /// socket's operation queues and handle count agree with one another. For tests and stress runs (the test kit calls
    /// it when a harness is disposed); a consistent provider never throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold; the message names it.</exception>
    /// <remarks>Thread-safe: runs under the provider's lock, in time linear in the sockets and operations.</remarks>
    public void ValidateInvariants()
    {
        using (_lock.Enter())
        {
            ValidateInvariants_NeedsLock();
        }
    }

    private void Abandon(bool processEnded)
    {
        var notifications = default(Notifications);
        TeardownReport report;
        using (_lock.Enter())
        {
            if (_unloaded)
            {
                return;
            }

            _unloaded = true;
            bool wasStarted = _startupCount > 0;
            _startupCount = 0;
            report = Teardown_NeedsLock(counted: wasStarted, ref notifications);
            if (!wasStarted)
            {
                report = default;
            }
        }

        _table.ReleaseTag();

        DispatchTeardown(ref notifications);
        if (processEnded)
        {
            Log.ProcessTerminated(_logger, Process.Id, report.Sockets, report.Aborted);
            Telemetry.OperationEnded("aborted", report.Aborted);
        }
    }

    /// <summary>Asserts (Debug) that the calling thread holds the provider's lock: every <c>_NeedsLock</c> member starts with it.</summary>
    [Conditional("DEBUG")]
    internal void AssertLockHeld() => Debug.Assert(_lock.IsHeldByCurrentThread, "The provider's lock must be held.");

    /// <summary>
    /// The constant-time invariants, checked (Debug) at every public entry under the lock; <see cref="ValidateInvariants"/>
    /// walks everything for tests and stress runs.
    /// </summary>
    [Conditional("DEBUG")]
    private void AssertInvariants_NeedsLock()
    {
        AssertLockHeld();
        Debug.Assert(_startupCount >= 0, "The reference count is never negative.");
        Debug.Assert(_startupCount > 0 || (_table.Count == 0 && _pendingCount == 0 && _blockedCount == 0), "With the count at 0 nothing is held (CLN-8).");
        Debug.Assert(_pendingCount >= 0 && _blockedCount >= 0, "Operation counts are never negative.");
        Debug.Assert(_blockedCount >= _lingering.Count, "Every lingering close is a blocked call.");
        Debug.Assert(!_unloaded || _startupCount == 0, "An unloaded provider holds no startup.");
    }

    private void ValidateInvariants_NeedsLock()
    {
        _table.Validate();
        if (_startupCount < 0)
        {
            throw new InvalidOperationException($"Negative reference count {_startupCount}.");
        }

        if (_startupCount == 0 && (_table.Count != 0 || _pendingCount != 0 || _blockedCount != 0))
        {
            throw new InvalidOperationException($"Count 0 but {_table.Count} sockets, {_pendingCount} pending, {_blockedCount} blocked.");
        }

        // One pass counts the live handles of each socket (duplicates share one), then each socket is checked once.
        var handles = new Dictionary<ProviderSocket, int>(ReferenceEqualityComparer.Instance);
        _table.ForEach(handles, (counts, _, socket) => counts[socket] = counts.GetValueOrDefault(socket) + 1);
        int pending = 0, blocked = 0;
        foreach (var (socket, live) in handles)
        {
            if (live != socket.HandleCount)
            {
                throw new InvalidOperationException($"A socket has {live} live handles but a handle count of {socket.HandleCount}.");
            }

            foreach (var queue in new[] { socket.Receives, socket.Sends, socket.Accepts })
            {
                int n = 0;
                for (var op = queue.Head; op is not null; op = op.Next)
                {
                    n++;
                    if (op.Status != OperationStatus.Pending)
                    {
                        throw new InvalidOperationException($"A queued operation is {op.Status}.");
                    }

                    if (op.Owner != this)
                    {
                        throw new InvalidOperationException("A queued operation's record is not bound to its provider."); // ProviderRuntime.Binding.cs
                    }

                    if (op.IsBlocking)
                    {
                        blocked++;
                    }
                    else
                    {
                        pending++;
                    }
                }

                if (n != queue.Count)
                {
                    throw new InvalidOperationException($"A queue counts {queue.Count} but links {n}.");
                }
            }
        }

        blocked += _selects.Count;
        if (pending != _pendingCount || blocked + _lingering.Count != _blockedCount)
        {
            throw new InvalidOperationException($"Counted {pending} pending and {blocked + _lingering.Count} blocked, recorded {_pendingCount} and {_blockedCount}.");
        }
    }

    private readonly record struct TeardownReport(int Sockets, int Aborted, int Interrupted, int Resets);
}
