using System.Runtime.ExceptionServices;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Namespaces;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

/// <summary>
/// The Winsock API layer of one <see cref="SimulatedProcess"/> (ws2_32.dll): WSAStartup/WSACleanup with their own
/// per-process count, providers loaded from a <see cref="ProviderCatalog"/> on demand, SOCKET values mapped to the
/// provider that owns them, and a last error per calling thread. Methods keep the C names and shapes (SOCKET is
/// <see cref="nuint"/>; failures return SOCKET_ERROR or INVALID_SOCKET and set the calling thread's last error), so
/// Winsock test suites port to it almost line by line.
/// </summary>
/// <remarks>
/// <para>Create one per process. WSAStartup loads nothing: the first socket that needs a provider loads it through its
/// catalog entry's factory and starts it with WSPStartup (version 2.2, with <see cref="Upcalls"/> as the upcall table),
/// once per process (a provider whose WSPStartup fails is unloaded again and the socket call fails with that error);
/// the final WSACleanup calls WSPCleanup on each loaded provider once per WSPStartup it made, then unloads it
/// (WS2-1, WS2-2). Namespace providers are started the same way by the first name lookup
/// (<see cref="gethostbyname"/>) and cleaned up by the final WSACleanup (NSP-1).</para>
/// <para>Thread-safe. WSAStartup, WSACleanup and the loading of providers are serialised by one lock, as ws2_32's
/// startup lock serialises them; the catalog factories, WSPStartup, WSPCleanup, NSPStartup and NSPCleanup run under it
/// and must not wait for another thread's Winsock call. Every other call finds its socket's provider under a short lock
/// and calls the provider with no lock held, so blocking calls on several threads proceed independently.</para>
/// <para>The Ws2 layer holds nothing that outlives its providers: when the process terminates, its providers release
/// everything (PRC-2); later calls fail as the providers do, and WSAStartup throws <see cref="ObjectDisposedException"/>.
/// <see cref="Dispose"/> unloads ws2_32 from a process that goes on: it ends the session as the final WSACleanup does.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1707", Justification = "Parameters keep the names of the C API.")]
public sealed partial class Ws2Api : IDisposable
{
    /// <summary>szDescription of WSADATA, as Windows reports it.</summary>
    private const string Description = "WinSock 2.0";

    /// <summary>szSystemStatus of WSADATA, as Windows reports it.</summary>
    private const string SystemStatus = "Running";

    private static readonly WinsockVersion s_highest = WinsockVersion.V2_2;

    /// <summary>Serialises WSAStartup, WSACleanup and the loading, starting and cleanup of providers (ws2_32's startup lock).</summary>
    private readonly Lock _lifecycleLock = new();

    /// <summary>Guards the count, the loaded providers and the socket map; never held while calling a provider.</summary>
    private readonly Lock _lock = new();

    private readonly ConcurrentDictionary<int, int> _lastErrors = new();
    private readonly Dictionary<Guid, LoadedProvider> _providers = [];
    private readonly List<LoadedProvider> _loadOrder = [];
    private readonly Dictionary<nuint, LoadedProvider> _sockets = [];
    private readonly List<LoadedNamespace> _namespaces = [];
    private readonly ILogger _logger;
    private readonly bool _ownsProcess;
    private int _startupCount;
    private WinsockVersion _version;
    private long _session;

    /// <summary>Gets the process.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets the catalog providers are loaded from.</summary>
    public ProviderCatalog Catalog { get; }

    /// <summary>
    /// Gets the upcall table given to every WSPStartup the layer makes; its <see cref="ProcessUpcalls.BlockingHook"/>
    /// is the blocking hook (WSASetBlockingHook) of the process.
    /// </summary>
    public ProcessUpcalls Upcalls { get; }

    /// <summary>Gets the number of successful WSAStartup calls not yet matched by WSACleanup (WS2-1).</summary>
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

    /// <summary>Gets the protocol providers loaded in this session, in load order (WS2-2). Empty after WSAStartup alone.</summary>
    public IReadOnlyList<IWspProvider> LoadedProviders
    {
        get
        {
            lock (_lock)
            {
                return [.. _loadOrder.Select(p => p.Provider)];
            }
        }
    }

    /// <summary>Gets the namespace providers loaded in this session, in load order (NSP-1).</summary>
    public IReadOnlyList<INamespaceProvider> LoadedNamespaceProviders
    {
        get
        {
            lock (_lock)
            {
                return [.. _namespaces.Select(n => n.Provider)];
            }
        }
    }

    /// <summary>Gets the number of SOCKET values the layer maps to a provider (open sockets and duplicates).</summary>
    public int SocketCount
    {
        get
        {
            lock (_lock)
            {
                return _sockets.Count;
            }
        }
    }

    /// <summary>
    /// WSAStartup: counts one more use of Winsock by the process (WS2-1). Loads no provider (WS2-2).
    /// </summary>
    /// <param name="wVersionRequested">The highest version the caller can use (MAKEWORD: low byte major, high byte minor).</param>
    /// <param name="lpWSAData">
    /// Filled in even on failure: wVersion is the requested version clamped to 1.0..1.1 for major 1 and to 2.2 above
    /// (2.2 when major 0 is refused), wHighVersion is 2.2.
    /// </param>
    /// <returns>0; or WSAVERNOTSUPPORTED (10092), returned directly, for major version 0; the count is then unchanged.</returns>
    /// <remarks>
    /// Success sets the calling thread's last error to 0; failure sets it to WSANOTINITIALISED, as ReactOS's ws2_32 does.
    /// Thread-safe.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The process has terminated, or the layer was disposed.</exception>
    public int WSAStartup(ushort wVersionRequested, out WsaData lpWSAData)
    {
        ObjectDisposedException.ThrowIf(Process.IsTerminated, Process);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var requested = WinsockVersion.FromWord(wVersionRequested);
        var (error, version) = Negotiate(requested);
        lpWSAData = FillData(version);
        if (error != WsaError.Success)
        {
            SetLastError(WsaError.NotInitialized);
            Ws2Log.StartupFailed(_logger, requested, error);
            return (int)error;
        }

        int count;
        lock (_lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this); // Disposed while this call negotiated.
            lock (_lock)
            {
                count = ++_startupCount;
                _version = count == 1 ? version : WinsockVersion.Min(_version, version);
            }
        }

        SetLastError(WsaError.Success);
        Ws2Log.StartupSucceeded(_logger, requested, version, count);
        return 0;
    }

    /// <summary>
    /// WSACleanup: drops one WSAStartup. The final one (count reaches 0) calls WSPCleanup on each loaded provider once per
    /// WSPStartup the layer made and NSPCleanup once per NSPStartup it made, then unloads them, and forgets every SOCKET
    /// value: after a new WSAStartup each old handle, duplicates included, gives WSAENOTSOCK (WS2-2, WS2-3, NSP-1).
    /// </summary>
    /// <returns>
    /// 0, with the calling thread's last error set to 0; or SOCKET_ERROR with WSANOTINITIALISED when the count is already
    /// 0 (nothing changes), or with WSAENETDOWN when a provider's WSPCleanup reported it (the count is released and the
    /// teardown done anyway, CLN-11).
    /// </returns>
    /// <remarks>
    /// Providers are cleaned up in the reverse of their load order, then namespace providers likewise; other errors
    /// of WSPCleanup and NSPCleanup are not reported, as ws2_32 does not report them. Thread-safe; legal from a
    /// completion routine or a blocking hook (CLN-12).
    /// </remarks>
    public int WSACleanup()
    {
        LoadedProvider[]? providers = null;
        LoadedNamespace[]? namespaces = null;
        int count, sockets = 0;
        WsaError error = WsaError.Success;
        lock (_lifecycleLock)
        {
            lock (_lock)
            {
                if (_startupCount == 0)
                {
                    count = -1;
                }
                else
                {
                    count = --_startupCount;
                    if (count == 0)
                    {
                        (providers, namespaces, sockets) = EndSession_NeedsLock();
                    }
                }
            }

            if (providers is not null)
            {
                error = CleanupLoaded(providers, namespaces!, sockets);
            }
        }

        if (count < 0)
        {
            Ws2Log.CleanupNotInitialized(_logger);
            return Fail(WsaError.NotInitialized);
        }

        if (providers is null)
        {
            Ws2Log.CleanupNonFinal(_logger, count);
        }

        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        SetLastError(WsaError.Success);
        return 0;
    }

    /// <summary>WSAGetLastError: the last error of the calling thread in this process.</summary>
    /// <returns>The error code; 0 when none was set.</returns>
    /// <remarks>Thread-safe; each thread has its own value in each process.</remarks>
    public int WSAGetLastError() => _lastErrors.TryGetValue(Environment.CurrentManagedThreadId, out int error) ? error : 0;

    /// <summary>WSASetLastError: sets the last error of the calling thread in this process.</summary>
    /// <param name="iError">The error code.</param>
    /// <remarks>Thread-safe.</remarks>
    public void WSASetLastError(int iError) => _lastErrors[Environment.CurrentManagedThreadId] = iError;

    /// <summary>Finds the provider that owns a SOCKET value, for inspection (for example its socket table).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="provider">The provider, when the value is mapped.</param>
    /// <returns>Whether the value is mapped to a provider.</returns>
    public bool TryGetProvider(nuint s, [NotNullWhen(true)] out IWspProvider? provider)
    {
        lock (_lock)
        {
            provider = _sockets.TryGetValue(s, out var loaded) ? loaded.Provider : null;
            return provider is not null;
        }
    }

    /// <summary>Shows the process and the count.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"ws2_32 in {Process} (count {StartupCount})";

    /// <summary>WS2-1: major 0 is refused (wVersion reads 2.2), 1.x is clamped to 1.1, anything above 2.2 to 2.2.</summary>
    private static (WsaError Error, WinsockVersion Version) Negotiate(WinsockVersion requested) => requested.Major switch
    {
        0 => (WsaError.VersionNotSupported, s_highest),
        1 => (WsaError.Success, WinsockVersion.Min(requested, WinsockVersion.V1_1)),
        _ => (WsaError.Success, WinsockVersion.Min(requested, s_highest)),
    };

    private void SetLastError(WsaError error) => WSASetLastError((int)error);

    private int Fail(WsaError error)
    {
        SetLastError(error);
        return Winsock.SocketError;
    }

    private nuint FailSocket(WsaError error)
    {
        SetLastError(error);
        return Winsock.InvalidSocket;
    }

    /// <summary>Checks the count and finds the provider of <paramref name="s"/>: WSANOTINITIALISED first, then WSAENOTSOCK.</summary>
    private WsaError Find(nuint s, out LoadedProvider? provider)
    {
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                provider = null;
                return WsaError.NotInitialized;
            }

            return _sockets.TryGetValue(s, out provider) ? WsaError.Success : WsaError.NotSocket;
        }
    }

    private WsaError CheckStarted()
    {
        lock (_lock)
        {
            return _startupCount == 0 ? WsaError.NotInitialized : WsaError.Success;
        }
    }

    /// <summary>Maps a handle a provider just created, unless the session it was created in has ended meanwhile.</summary>
    private void Map(SocketHandle handle, LoadedProvider provider, long session)
    {
        lock (_lock)
        {
            if (session != _session)
            {
                return; // A final WSACleanup ran meanwhile: the provider has already released the socket.
            }

            if (!_sockets.TryAdd(handle.Value, provider))
            {
                throw new InvalidOperationException(
                    $"Provider {provider.ProviderId:B} returned {handle}, a SOCKET value already mapped in this process: providers must hand out unique handles.");
            }
        }
    }

    private void Unmap(nuint s, LoadedProvider provider)
    {
        lock (_lock)
        {
            if (_sockets.TryGetValue(s, out var current) && current == provider)
            {
                _sockets.Remove(s);
            }
        }
    }

    /// <summary>
    /// The answer when nothing needs loading: WSANOTINITIALISED outside a session, Success when the provider is already
    /// loaded; <see langword="null"/> when it must be loaded.
    /// </summary>
    private WsaError? FindLoaded(ProviderCatalogEntry entry, out LoadedProvider? provider, out long session)
    {
        lock (_lock)
        {
            session = _session;
            provider = null;
            return _startupCount == 0 ? WsaError.NotInitialized
                : _providers.TryGetValue(entry.ProviderId, out provider) ? WsaError.Success
                : null;
        }
    }

    /// <summary>
    /// Gives the started provider of <paramref name="entry"/>, loading it through the entry's factory and starting it with
    /// WSPStartup the first time the process needs it (WS2-2). A provider whose WSPStartup fails is unloaded at once, as
    /// ws2_32 does: the next socket that needs it loads it again.
    /// </summary>
    private WsaError GetStartedProvider(ProviderCatalogEntry entry, out LoadedProvider? provider, out long session)
    {
        if (FindLoaded(entry, out provider, out session) is { } known)
        {
            return known;
        }

        lock (_lifecycleLock)
        {
            // Another thread may have loaded it, or a final WSACleanup ended the session, while this one waited.
            if (FindLoaded(entry, out provider, out session) is { } settled)
            {
                return settled;
            }

            var loaded = entry.Factory(Process)
                ?? throw new InvalidOperationException($"The factory of catalog entry {entry.CatalogEntryId} returned null.");
            Ws2Log.ProviderLoaded(_logger, entry.ProviderId, entry.CatalogEntryId);

            // ws2_32 asks every provider for 2.2, whatever the application negotiated.
            var error = loaded.Startup(s_highest, out _, Upcalls);
            if (error != WsaError.Success)
            {
                Ws2Log.ProviderStartupFailed(_logger, entry.ProviderId, error);
                (loaded as IDisposable)?.Dispose();
                return error;
            }

            provider = new LoadedProvider(entry.ProviderId, loaded) { Startups = 1 };
            bool sessionEnded;
            lock (_lock)
            {
                // Only a WSACleanup made from inside the factory or WSPStartup, on this thread, can end the session here.
                sessionEnded = session != _session;
                if (!sessionEnded)
                {
                    _providers.Add(entry.ProviderId, provider);
                    _loadOrder.Add(provider);
                }
            }

            if (sessionEnded)
            {
                CleanupLoaded([provider], [], 0);
                provider = null;
                return WsaError.NotInitialized;
            }

            return WsaError.Success;
        }
    }

    /// <summary>Ends the session (the final WSACleanup, or <see cref="Dispose"/>): nothing new is loaded or mapped into it.</summary>
    private (LoadedProvider[] Providers, LoadedNamespace[] Namespaces, int Sockets) EndSession_NeedsLock()
    {
        LoadedProvider[] providers = [.. _loadOrder];
        LoadedNamespace[] namespaces = [.. _namespaces];
        int sockets = _sockets.Count;
        CancelAsyncRequests_NeedsLock(); // ASY-4: without a message
        _startupCount = 0;
        _providers.Clear();
        _loadOrder.Clear();
        _sockets.Clear();
        _namespaces.Clear();
        _session++;
        return (providers, namespaces, sockets);
    }

    /// <summary>The final WSACleanup's work on the providers of the session that just ended. Runs under the lifecycle lock only.</summary>
    private WsaError CleanupLoaded(LoadedProvider[] providers, LoadedNamespace[] namespaces, int sockets)
    {
        var error = WsaError.Success;
        int cleanups = 0, nspCleanups = 0;

        // Every provider is cleaned up and unloaded even if one of them throws (user code in an upcall or interceptor):
        // the first exception is rethrown once the whole session is gone (WS2-2, NSP-1).
        ExceptionDispatchInfo? failure = null;
        for (int i = providers.Length - 1; i >= 0; i--)
        {
            var loaded = providers[i];
            for (int n = 0; n < loaded.Startups; n++)
            {
                try
                {
                    var result = loaded.Provider.Cleanup();
                    if (result.Error == WsaError.NetworkDown)
                    {
                        error = WsaError.NetworkDown;
                    }
                }
                catch (Exception ex)
                {
                    failure ??= ExceptionDispatchInfo.Capture(ex);
                }

                cleanups++;
            }

            try
            {
                (loaded.Provider as IDisposable)?.Dispose();
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        for (int i = namespaces.Length - 1; i >= 0; i--)
        {
            try
            {
                nspCleanups += namespaces[i].CleanupAll();
                (namespaces[i].Provider as IDisposable)?.Dispose();
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        Ws2Log.FinalCleanup(_logger, providers.Length, cleanups, nspCleanups, sockets);
        failure?.Throw();
        return error;
    }

    /// <summary>A protocol provider loaded in the current session.</summary>
    private sealed class LoadedProvider(Guid providerId, IWspProvider provider)
    {
        public Guid ProviderId { get; } = providerId;

        public IWspProvider Provider { get; } = provider;

        /// <summary>The WSPStartup calls the layer made and must match with WSPCleanup: one, as it starts each provider once.</summary>
        public int Startups { get; init; }
    }
}
