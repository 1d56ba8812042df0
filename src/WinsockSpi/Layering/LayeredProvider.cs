using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

/// <summary>
/// A layered service provider: it sits on a lower provider (a base provider or another layer), keeps its own
/// WSPStartup/WSPCleanup count, starts the lower provider on its own first startup and cleans it up on its own final
/// cleanup (LSP-1), refuses a lower proc table with a missing entry (LSP-2), and forwards every other call to the lower
/// provider, letting an <see cref="ILayerInterceptor"/> observe and alter them.
/// </summary>
/// <remarks>
/// <para><b>Lower provider.</b> Given as an <see cref="IWspProvider"/>, as a fixed <see cref="WspProcTable"/>, or as a
/// factory called at each first startup, as a real layer gets the next provider's table from that provider's WSPStartup
/// (lpProcTable). The table is checked before the lower provider is started: an incomplete table fails the startup with
/// WSAEINVALIDPROCTABLE and starts nothing ("Windows Sockets Error Codes": a bogus table, usually one with a NULL entry).</para>
/// <para><b>Failed lower startup.</b> When the lower WSPStartup fails, the layer's startup fails with
/// WSAEPROVIDERFAILEDINIT, the code "Windows Sockets Error Codes" gives for a provider whose WSPStartup failed; the lower
/// code is kept in <see cref="LastLowerStartupError"/>. The layer asks the lower provider for its own
/// <see cref="LayeredProviderOptions.HighestVersion"/>; if the lower wVersion is below the layer's lowest version, the
/// layer rejects it, cleans the lower provider up once (STA-5) and fails with WSAEPROVIDERFAILEDINIT. No failed startup
/// changes the layer's count, and every lower startup it made and did not keep is undone, so a lower count that was
/// already above 0 is never disturbed (LSP-2).</para>
/// <para><b>Versions.</b> The layer negotiates on its own as STA-2 says: below its lowest version WSAVERNOTSUPPORTED;
/// otherwise wVersion = min(highest, requested), wHighVersion = highest.</para>
/// <para><b>Upcalls.</b> The layer passes its own upcall table (<see cref="LowerUpcalls"/>) down when it starts the lower
/// provider, and that table forwards each upcall to the table most recently given to the layer's
/// <see cref="Startup"/> (STA-7): a later startup changes where upcalls go without starting the lower provider again.</para>
/// <para><b>Sockets.</b> The layer passes the lower provider's socket handles through unchanged, so a handle means the same
/// at every level of the chain; it only remembers which handles were created through it (by <see cref="Socket"/>,
/// <see cref="Accept"/> and <see cref="DuplicateSocket"/>) until they are closed. Calls made while the layer's count is
/// 0 fail with WSANOTINITIALISED in the layer itself, even when the lower provider is started by someone else (STA-8).</para>
/// <para><b>Cleanup.</b> The final cleanup calls the lower WSPCleanup once per lower startup kept and reports its result
/// (for example WSAENETDOWN, CLN-11); the layer's own count is released whatever the lower provider answers. A
/// non-final cleanup only decrements the layer's count (CLN-3). When the client process ends, the layer drops its
/// count without calling the lower provider, which the process death releases on its own (PRC-2).</para>
/// <para><b>Final cleanup over a shared lower provider.</b> When the lower provider stays started for other clients
/// after the layer's lower cleanup, the layer tears down on its own, through the lower provider's SPI, everything that
/// was created through it, so that its clients see what a final cleanup promises: each socket created through the
/// layer and still open is set to linger {1,0} and closed, so its peer sees WSAECONNRESET (CLN-6; a duplicate of a
/// socket the layer did not create is only closed); its pending overlapped operations end with
/// WSA_OPERATION_ABORTED without any notification (CLN-4: the layer suppresses their notifications in its own upcall
/// table, reporting a completion routine as not queued so that the overlapped object is free again); blocking calls on
/// those sockets end with WSAEINTR (CLN-5); and the old handles give WSANOTINITIALISED until the next startup and
/// WSAENOTSOCK after it (CLN-10). The cleanup returns once this is done and no call on those sockets nor notification
/// of their operations is still in progress on another thread. A socket creation that races with the final cleanup and
/// ends after it has its new socket closed at once and fails with WSAEINTR. Sockets of other clients are untouched.
/// Suppressing needs the lower provider to notify through this layer's upcall table, which holds while no later
/// startup of the lower provider gave it another table (STA-7); when the lower cleanup is the final one, the lower
/// provider's own teardown does all of this instead.</para>
/// <para><b>Thread safety.</b> Every member is thread-safe. One lock guards the counts. It is held across the first
/// startup's and the final cleanup's work on the lower provider (the lower-table factory, the lower WSPStartup or
/// WSPCleanup, and their log lines) so that the transitions 0→1 and 1→0 happen once each; it is held across no other
/// forwarded call, interceptor callback or upcall, nor across the final cleanup's wait for calls still in progress. A
/// lower cleanup or the teardown above may run user code of other providers (the upcalls of the peers it resets), so
/// such code must not wait for a thread that is inside this layer's startup or cleanup.</para>
/// </remarks>
public sealed partial class LayeredProvider : IWspProvider, IProcessMember, IDisposable
{
    private readonly IDisposable? _ownedLower;
    private bool _disposed;
    private readonly Lock _lock = new();
    private readonly Func<WspProcTable> _lowerFactory;
    private readonly ILayerInterceptor? _interceptor;
    private readonly LayerUpcalls _lowerUpcalls;
    private readonly IUpcalls? _fallbackUpcalls;
    private readonly WinsockVersion _lowest;
    private readonly WinsockVersion _highest;
    private readonly string _description;
    private readonly ILogger _logger;
    private IUpcalls? _upcalls;
    private int _startupCount;
    private int _lowerStartups;
    private int _lowerCleanups;
    private int _lowerAbandoned;
    private WsaError _lastLowerStartupError;
    private WspData _lowerData;

    /// <summary>Creates a layer with default settings over <paramref name="lower"/>.</summary>
    /// <param name="lower">The lower provider (base or layered).</param>
    /// <exception cref="ArgumentNullException"><paramref name="lower"/> is <see langword="null"/>.</exception>
    public LayeredProvider(IWspProvider lower)
        : this(lower, null)
    {
    }

    /// <summary>Creates a layer over <paramref name="lower"/>.</summary>
    /// <param name="lower">The lower provider (base or layered).</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lower"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public LayeredProvider(IWspProvider lower, LayeredProviderOptions? options)
        : this(CreateFactory(lower), options, ProcessOf(lower))
    {
        if (options?.OwnsLowerProvider == true)
        {
            _ownedLower = lower as IDisposable;
        }
    }

    /// <summary>Creates a layer with default settings over the provider whose proc table is <paramref name="lowerTable"/>.</summary>
    /// <param name="lowerTable">The lower proc table; it may be incomplete (LSP-2).</param>
    /// <exception cref="ArgumentNullException"><paramref name="lowerTable"/> is <see langword="null"/>.</exception>
    public LayeredProvider(WspProcTable lowerTable)
        : this(lowerTable, null)
    {
    }

    /// <summary>Creates a layer over the provider whose proc table is <paramref name="lowerTable"/> (which may be incomplete, LSP-2).</summary>
    /// <param name="lowerTable">The lower proc table.</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lowerTable"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public LayeredProvider(WspProcTable lowerTable, LayeredProviderOptions? options)
        : this(CreateFactory(lowerTable), options, null)
    {
    }

    /// <summary>Creates a layer with default settings whose lower proc table is produced by <paramref name="lowerTableFactory"/> at each first startup.</summary>
    /// <param name="lowerTableFactory">Yields the lower proc table.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lowerTableFactory"/> is <see langword="null"/>.</exception>
    public LayeredProvider(Func<WspProcTable> lowerTableFactory)
        : this(lowerTableFactory, null)
    {
    }

    /// <summary>
    /// Creates a layer whose lower proc table is produced by <paramref name="lowerTableFactory"/> at each first startup, as a
    /// real layer loads the next provider of its protocol chain and receives its table (LSP-1, LSP-2).
    /// </summary>
    /// <param name="lowerTableFactory">Yields the lower proc table; exceptions it throws propagate from <see cref="Startup"/>.</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lowerTableFactory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public LayeredProvider(Func<WspProcTable> lowerTableFactory, LayeredProviderOptions? options)
        : this(lowerTableFactory ?? throw new ArgumentNullException(nameof(lowerTableFactory)), options, null)
    {
    }

    private LayeredProvider(Func<WspProcTable> factory, LayeredProviderOptions? options, SimulatedProcess? lowerProcess)
    {
        options ??= new LayeredProviderOptions();
        options.Validate();
        _lowerFactory = factory;
        ProviderId = options.ProviderId == Guid.Empty ? Guid.NewGuid() : options.ProviderId;
        _lowest = options.LowestVersion;
        _highest = options.HighestVersion;
        _description = options.Description.Length > Winsock.DescriptionMaxLength
            ? options.Description[..Winsock.DescriptionMaxLength]
            : options.Description;
        _interceptor = options.Interceptor;
        _logger = options.LoggerFactory.CreateLogger("WinsockSpi.Layering");
        _lowerUpcalls = new LayerUpcalls(this);
        Process = options.Process ?? lowerProcess;
        _fallbackUpcalls = Process is null ? null : new ProcessUpcalls(Process);
        Process?.Register(this);
    }

    /// <summary>Gets the layer's id (the catalog GUID of its layered protocol entry).</summary>
    public Guid ProviderId { get; }

    /// <summary>Gets the client process, when known (<see cref="LayeredProviderOptions.Process"/>).</summary>
    public SimulatedProcess? Process { get; }

    /// <summary>Gets the interceptor, if any.</summary>
    public ILayerInterceptor? Interceptor => _interceptor;

    /// <summary>Gets the number of the layer's own successful startups not yet matched by a cleanup (STA-4).</summary>
    public int StartupCount
    {
        get
        {
            lock (_lock)
            {
                return _startupCount;
            }
        }
    }

    /// <summary>Gets how many times the layer has started its lower provider, in all (LSP-1: once per first startup).</summary>
    public int LowerStartups
    {
        get
        {
            lock (_lock)
            {
                return _lowerStartups;
            }
        }
    }

    /// <summary>
    /// Gets how many times the layer has cleaned its lower provider up, in all (LSP-1: as many as it started it, once its
    /// count is 0). A process death releases the lower provider without a cleanup, so after one the two differ by one.
    /// </summary>
    public int LowerCleanups
    {
        get
        {
            lock (_lock)
            {
                return _lowerCleanups;
            }
        }
    }

    /// <summary>Gets whether the layer holds its lower provider started (its count is above 0).</summary>
    public bool IsLowerStarted => Volatile.Read(ref _epoch) is not null;

    /// <summary>Gets the WSPDATA the lower provider returned to the layer's last lower startup that was kept.</summary>
    public WspData LowerData
    {
        get
        {
            lock (_lock)
            {
                return _lowerData;
            }
        }
    }

    /// <summary>
    /// Gets why the last lower startup failed: the lower WSPStartup's own code, WSAEINVALIDPROCTABLE for an incomplete
    /// table, or WSAVERNOTSUPPORTED when the layer rejected the lower wVersion; <see cref="WsaError.Success"/> when none failed.
    /// </summary>
    public WsaError LastLowerStartupError
    {
        get
        {
            lock (_lock)
            {
                return _lastLowerStartupError;
            }
        }
    }

    /// <summary>Gets the upcall table most recently given to <see cref="Startup"/> (STA-7); <see langword="null"/> until one is.</summary>
    public IUpcalls? Upcalls => Volatile.Read(ref _upcalls);

    /// <summary>Gets the layer's own upcall table: the one it passes down to the lower provider's WSPStartup.</summary>
    public IUpcalls LowerUpcalls => _lowerUpcalls;

    /// <summary>
    /// WSPStartup of the layer: negotiates the version (STA-2); on the first startup, checks and starts the lower provider
    /// (LSP-1, LSP-2); counts one more startup (STA-4); keeps <paramref name="upcalls"/> as the table upcalls go to (STA-7).
    /// </summary>
    /// <param name="requested">The version the caller asks for.</param>
    /// <param name="data">On success wVersion = min(highest, requested) and wHighVersion = highest; default on failure.</param>
    /// <param name="upcalls">The upcall table; when given it replaces the one in use (STA-7).</param>
    /// <returns>
    /// 0, or the error itself (STA-1): WSAVERNOTSUPPORTED below the layer's lowest version; WSAEINVALIDPROCTABLE when the
    /// lower table lacks an entry; WSAEPROVIDERFAILEDINIT when the lower WSPStartup fails or offers too low a version; or
    /// the code the interceptor refused the call with. A failed startup changes no count (STA-4, LSP-2).
    /// </returns>
    /// <exception cref="ObjectDisposedException">The lower provider was unloaded or its process terminated.</exception>
    public WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        data = default;
        var call = new LayerCall(this, WspEntry.Startup, default, 0, null);
        var error = _interceptor?.OnCalling(in call) ?? WsaError.Success;
        bool forwarded = false;
        if (error == WsaError.Success)
        {
            if (requested < _lowest)
            {
                error = WsaError.VersionNotSupported;
            }
            else
            {
                lock (_lock)
                {
                    if (_startupCount == 0)
                    {
                        error = StartLower_NeedsLock(out forwarded);
                    }

                    if (error == WsaError.Success)
                    {
                        _startupCount++;
                        if (upcalls is not null)
                        {
                            Volatile.Write(ref _upcalls, upcalls);
                        }

                        data = new WspData(WinsockVersion.Min(_highest, requested), _highest, _description);
                    }

                    AssertInvariants_NeedsLock();
                }
            }
        }

        _interceptor?.OnCalled(in call, new LayerCallResult(error, forwarded));
        return error;
    }

    /// <summary>
    /// WSPCleanup of the layer: drops one startup; the final one cleans the lower provider up as many times as the layer
    /// started it (LSP-1) and, when the lower provider stays started for other clients, tears down the sockets and
    /// operations created through the layer itself (CLN-4..6, CLN-10; see the remarks of <see cref="LayeredProvider"/>).
    /// </summary>
    /// <returns>
    /// Success; WSANOTINITIALISED when the layer's count is 0 (nothing changes, CLN-2); or, for the final cleanup, the
    /// error of the lower WSPCleanup (for example WSAENETDOWN, CLN-11): the layer's count is released anyway.
    /// </returns>
    public SpiResult Cleanup()
    {
        var call = new LayerCall(this, WspEntry.Cleanup, default, 0, null);
        var error = _interceptor?.OnCalling(in call) ?? WsaError.Success;
        bool forwarded = false;
        Epoch? ended = null;
        if (error == WsaError.Success)
        {
            lock (_lock)
            {
                if (_startupCount == 0)
                {
                    error = WsaError.NotInitialized;
                }
                else if (--_startupCount == 0)
                {
                    forwarded = true;
                    ended = EndEpoch_NeedsLock(out var sockets);
                    var lower = ended.Lower;

                    // LSP-1: one lower cleanup per lower startup kept; the layer keeps at most one at a time.
                    SpiResult result;
                    try
                    {
                        result = lower.Cleanup();
                    }
                    finally
                    {
                        _lowerCleanups++; // it ran, even if it threw: the counts stay balanced (LSP-1)
                    }

                    error = result.Error;
                    LayeringLog.CleanedUpLower(_logger, ProviderId, ended.LowerId, result);
                    TearDown_NeedsLock(lower, sockets);
                }

                AssertInvariants_NeedsLock();
            }

            // Outside the lock: a call still on its way out may need the lock (a cleanup from its blocking hook).
            if (ended is not null)
            {
                WaitUntilQuiet(ended);
                ForgetOperations(ended);
            }
        }

        _interceptor?.OnCalled(in call, new LayerCallResult(error, forwarded));
        return error;
    }

    /// <summary>Shows the layer, its count and its lower startups.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        lock (_lock)
        {
            return $"layered provider {ProviderId:B} (count {_startupCount}, lower started {_lowerStartups}, cleaned up {_lowerCleanups})";
        }
    }

    /// <summary>
    /// Unloads the layer from its process: outstanding startups are abandoned as at a process death (PRC-2), without a
    /// lower cleanup; with <see cref="LayeredProviderOptions.OwnsLowerProvider"/> the lower provider is disposed too.
    /// Later calls to <see cref="Startup"/> throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Process?.Unregister(this);
        ((IProcessMember)this).OnProcessTerminated();
        _ownedLower?.Dispose();
    }

    void IProcessMember.OnProcessTerminated()
    {
        // PRC-2: the process is gone; the lower provider is released by the process death itself, not by a cleanup.
        lock (_lock)
        {
            if (_epoch is not null)
            {
                _lowerAbandoned++;
                ForgetOperations(EndEpoch_NeedsLock(out _));
            }

            _startupCount = 0;
        }
    }

    private static Func<WspProcTable> CreateFactory(IWspProvider lower)
    {
        ArgumentNullException.ThrowIfNull(lower);
        var table = WspProcTable.FromProvider(lower);
        return () => table;
    }

    private static Func<WspProcTable> CreateFactory(WspProcTable lowerTable)
    {
        ArgumentNullException.ThrowIfNull(lowerTable);
        return () => lowerTable;
    }

    private static SimulatedProcess? ProcessOf(IWspProvider lower) => lower switch
    {
        ProviderRuntime runtime => runtime.Process,
        LayeredProvider layer => layer.Process,
        _ => null,
    };

    /// <summary>The first startup: checks the lower table, then starts the lower provider with the layer's own upcall table.</summary>
    private WsaError StartLower_NeedsLock(out bool calledLower)
    {
        calledLower = false;
        var table = _lowerFactory() ?? throw new InvalidOperationException("The lower proc table factory returned null.");
        var missing = table.MissingEntries;
        if (missing.Count > 0)
        {
            // LSP-2: checked before the lower provider is started, so nothing below has to be undone.
            _lastLowerStartupError = WsaError.InvalidProcedureTable;
            LayeringLog.LowerTableInvalid(_logger, ProviderId, table.ProviderId, missing);
            return WsaError.InvalidProcedureTable;
        }

        calledLower = true;
        var lower = table.ToProvider();
        var error = lower.Startup(_highest, out var lowerData, _lowerUpcalls);
        if (error != WsaError.Success)
        {
            _lastLowerStartupError = error;
            LayeringLog.LowerStartupFailed(_logger, ProviderId, table.ProviderId, error);
            return WsaError.ProviderFailedInit;
        }

        _lowerStartups++;
        if (lowerData.Version < _lowest)
        {
            // STA-5: the layer cannot use the version offered; it still owes the lower provider one cleanup.
            lower.Cleanup();
            _lowerCleanups++;
            _lastLowerStartupError = WsaError.VersionNotSupported;
            LayeringLog.LowerVersionRejected(_logger, ProviderId, table.ProviderId, lowerData.Version);
            return WsaError.ProviderFailedInit;
        }

        _lastLowerStartupError = WsaError.Success;
        _lowerData = lowerData;
        BeginEpoch_NeedsLock(lower, table.ProviderId);
        LayeringLog.StartedLower(_logger, ProviderId, table.ProviderId, lowerData.Version);
        return WsaError.Success;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants_NeedsLock()
    {
        Debug.Assert(_startupCount >= 0, "The layer's count is never negative.");
        Debug.Assert((_startupCount > 0) == (_epoch is not null), "The lower provider is held started exactly while the layer's count is above 0 (LSP-1).");
        Debug.Assert(_lowerStartups - _lowerCleanups - _lowerAbandoned == (_epoch is null ? 0 : 1), "The layer holds one lower startup while started, none otherwise (LSP-1).");
    }
}
