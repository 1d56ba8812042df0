using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

// Construction, disposal (unloading ws2_32.dll from the process) and the inspection of pending operations.
public sealed partial class Ws2Api
{
    private bool _disposed;

    /// <summary>Creates the API layer of <paramref name="process"/>.</summary>
    /// <param name="process">The process.</param>
    /// <param name="catalog">The catalog; <see cref="ProviderCatalog.CreateDefault()"/> when <see langword="null"/>.</param>
    /// <param name="loggerFactory">The logger factory; <see cref="NullLoggerFactory.Instance"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="process"/> is <see langword="null"/>.</exception>
    /// <remarks><see cref="Ws2Api(Ws2ApiOptions)"/> also sets the clock and the network; this overload leaves the process to the caller.</remarks>
    public Ws2Api(SimulatedProcess process, ProviderCatalog? catalog = null, ILoggerFactory? loggerFactory = null)
        : this(process ?? throw new ArgumentNullException(nameof(process)), catalog ?? ProviderCatalog.CreateDefault(), loggerFactory ?? NullLoggerFactory.Instance, ownsProcess: false)
    {
    }

    /// <summary>Creates the API layer of a process as <paramref name="options"/> describe: the same settings a <see cref="ProviderRuntime"/> takes.</summary>
    /// <param name="options">The settings: process or network, catalog, clock, logger factory.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/>, its clock or its logger factory is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options name a process on another network than <see cref="Ws2ApiOptions.Network"/>.</exception>
    /// <exception cref="ObjectDisposedException">The options name a process that has terminated.</exception>
    public Ws2Api(Ws2ApiOptions options)
        : this(Validated(options).Process ?? new SimulatedProcess(options.Network),
            options.Catalog ?? DefaultCatalog(options.TimeProvider, options.LoggerFactory),
            options.LoggerFactory,
            ownsProcess: options.Process is null)
    {
        ConfigureAsync(options);
    }

    private Ws2Api(SimulatedProcess process, ProviderCatalog catalog, ILoggerFactory loggerFactory, bool ownsProcess)
    {
        Process = process;
        Catalog = catalog;
        Upcalls = new ProcessUpcalls(process);
        _logger = loggerFactory.CreateLogger("WinsockSpi.Ws2");
        _ownsProcess = ownsProcess;
    }

    /// <summary>Gets whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>
    /// Gets the pending overlapped operations and blocked calls of the providers loaded now, as
    /// <see cref="ProviderRuntime.Operations"/> shows them for one provider: counts and snapshots summed over every loaded
    /// provider that is a <see cref="ProviderRuntime"/>, in load order.
    /// </summary>
    /// <remarks>
    /// A provider of another kind (a layered provider, a fake) is not counted, nor the provider below a layer. After the
    /// final WSACleanup nothing is loaded, so every count reads 0 and <see cref="IPendingOperationRegistry.CompletedCount"/>
    /// starts again with the providers of the next session.
    /// </remarks>
    public IPendingOperationRegistry Operations => new LoadedOperationsView(this);

    /// <summary>
    /// Unloads ws2_32.dll from the process: ends the session as the final WSACleanup does, whatever the count (WSPCleanup
    /// once per WSPStartup on each loaded provider, NSPCleanup likewise, then unload; every SOCKET value is forgotten), and
    /// terminates the process when the layer created it (<see cref="Ws2ApiOptions.Process"/> left unset). Later,
    /// WSAStartup throws <see cref="ObjectDisposedException"/> and every other call fails with WSANOTINITIALISED.
    /// </summary>
    /// <remarks>Idempotent and thread-safe. An exception thrown by a provider's cleanup is rethrown once everything is unloaded.</remarks>
    public void Dispose()
    {
        LoadedProvider[]? providers = null;
        LoadedNamespace[]? namespaces = null;
        int sockets = 0;
        lock (_lifecycleLock)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                Volatile.Write(ref _disposed, true);
                if (_startupCount > 0)
                {
                    (providers, namespaces, sockets) = EndSession_NeedsLock();
                }
            }
        }

        // The providers' cleanup runs under the lifecycle lock, as the final WSACleanup's does; the process (when owned)
        // terminates after it, with no lock held, even if a provider's cleanup threw.
        try
        {
            if (providers is not null)
            {
                lock (_lifecycleLock)
                {
                    CleanupLoaded(providers, namespaces!, sockets);
                }
            }
        }
        finally
        {
            if (_ownsProcess)
            {
                Process.Terminate();
            }
        }
    }

    private static Ws2ApiOptions Validated(Ws2ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    private static ProviderCatalog DefaultCatalog(TimeProvider timeProvider, ILoggerFactory loggerFactory)
        => ProviderCatalog.CreateDefault(process => new ProviderRuntime(new ProviderOptions
        {
            Process = process,
            TimeProvider = timeProvider,
            LoggerFactory = loggerFactory,
        }));

    /// <summary>The <see cref="IPendingOperationRegistry"/> of every loaded <see cref="ProviderRuntime"/>, read at each call.</summary>
    private sealed class LoadedOperationsView(Ws2Api api) : IPendingOperationRegistry
    {
        public int PendingCount => Runtimes().Sum(r => r.Operations.PendingCount);

        public int BlockedCallCount => Runtimes().Sum(r => r.Operations.BlockedCallCount);

        public long CompletedCount => Runtimes().Sum(r => r.Operations.CompletedCount);

        public IReadOnlyList<PendingOperationInfo> Snapshot() => [.. Runtimes().SelectMany(r => r.Operations.Snapshot())];

        private IEnumerable<ProviderRuntime> Runtimes() => api.LoadedProviders.OfType<ProviderRuntime>();
    }
}
