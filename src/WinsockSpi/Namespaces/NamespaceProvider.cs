using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Network;

namespace WinsockSpi.Namespaces;

/// <summary>
/// A namespace service provider managing one or more namespace provider ids, each with its own NSPStartup/NSPCleanup
/// count (NSP-1): only the final NSPCleanup of an id tears that id down.
/// </summary>
/// <remarks>
/// <para>Errors follow the Microsoft reference pages. NSPStartup: WSAEINVAL for an id the provider does not manage ("one or
/// more parameters were invalid"), WSASYSNOTREADY while the network subsystem is unavailable; a failed startup counts
/// nothing. NSPCleanup: WSAEINVAL for an id the provider does not manage ("the lpProviderId parameter doesn't specify a
/// valid provider"; not WSAEINVALIDPROVIDER, which no reference page lists for it: SEMANTICS NSP-1), and
/// WSANOTINITIALISED for a managed id whose count is 0 (as WSPCleanup, CLN-2); a failed cleanup changes nothing.</para>
/// <para>Thread-safe: one lock guards the counts; <see cref="TornDown"/> is raised after it is released, on the thread
/// that made the final cleanup.</para>
/// </remarks>
public sealed class NamespaceProvider : INamespaceProvider
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Entry> _entries = [];
    private readonly Guid[] _ids;
    private readonly SimulatedNetwork? _network;
    private readonly ILogger _logger;

    /// <summary>Creates a namespace provider managing <paramref name="providerIds"/>.</summary>
    /// <param name="providerIds">The namespace provider ids (duplicates are ignored); at least one.</param>
    /// <param name="network">The network whose availability NSPStartup checks (WSASYSNOTREADY); <see langword="null"/> for none.</param>
    /// <param name="loggerFactory">The logger factory; <see cref="NullLoggerFactory.Instance"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="providerIds"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="providerIds"/> is empty or holds <see cref="Guid.Empty"/>.</exception>
    public NamespaceProvider(IEnumerable<Guid> providerIds, SimulatedNetwork? network = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(providerIds);
        foreach (var id in providerIds)
        {
            if (id == Guid.Empty)
            {
                throw new ArgumentException("A namespace provider id may not be Guid.Empty.", nameof(providerIds));
            }

            _entries.TryAdd(id, new Entry());
        }

        if (_entries.Count == 0)
        {
            throw new ArgumentException("A namespace provider manages at least one id.", nameof(providerIds));
        }

        _ids = [.. _entries.Keys];
        _network = network;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("WinsockSpi.Namespaces");
    }

    /// <summary>Raised once per final NSPCleanup of an id, after its teardown, with no lock held (NSP-1).</summary>
    public event EventHandler<NamespaceTornDownEventArgs>? TornDown;

    /// <inheritdoc/>
    public IReadOnlyCollection<Guid> ProviderIds => _ids;

    /// <summary>
    /// NSPStartup: starts <paramref name="providerId"/>, or counts one more start of it (NSP-1).
    /// </summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>Success; WSAEINVAL for an id the provider does not manage; WSASYSNOTREADY while the network is unavailable.</returns>
    public SpiResult Startup(Guid providerId)
    {
        WsaError error;
        int count = 0;
        lock (_lock)
        {
            if (!_entries.TryGetValue(providerId, out var entry))
            {
                error = WsaError.InvalidArgument;
            }
            else if (_network is { IsAvailable: false })
            {
                error = WsaError.SystemNotReady;
            }
            else
            {
                count = ++entry.Count;
                error = WsaError.Success;
            }
        }

        if (error != WsaError.Success)
        {
            NamespaceLog.CallFailed(_logger, "NSPStartup", providerId, error);
            return error;
        }

        NamespaceLog.Started(_logger, providerId, count);
        return SpiResult.Success;
    }

    /// <summary>
    /// NSPCleanup: drops one start of <paramref name="providerId"/>; the final one tears the id down and raises
    /// <see cref="TornDown"/> (NSP-1). Other ids are not affected.
    /// </summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>Success; WSAEINVAL for an id the provider does not manage; WSANOTINITIALISED when that id is not started.</returns>
    public SpiResult Cleanup(Guid providerId)
    {
        WsaError error = WsaError.Success;
        int teardowns = 0;
        lock (_lock)
        {
            if (!_entries.TryGetValue(providerId, out var entry))
            {
                error = WsaError.InvalidArgument;
            }
            else if (entry.Count == 0)
            {
                error = WsaError.NotInitialized;
            }
            else if (--entry.Count == 0)
            {
                teardowns = ++entry.Teardowns;
            }
        }

        if (error != WsaError.Success)
        {
            NamespaceLog.CallFailed(_logger, "NSPCleanup", providerId, error);
            return error;
        }

        if (teardowns > 0)
        {
            NamespaceLog.TornDown(_logger, providerId);
            TornDown?.Invoke(this, new NamespaceTornDownEventArgs(providerId, teardowns));
        }

        return SpiResult.Success;
    }

    /// <summary>Gets the number of successful NSPStartup calls for <paramref name="providerId"/> not yet matched by an NSPCleanup.</summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>The count; 0 for an id the provider does not manage.</returns>
    public int StartupCount(Guid providerId)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(providerId, out var entry) ? entry.Count : 0;
        }
    }

    /// <summary>Gets whether <paramref name="providerId"/> is started (its count is above 0).</summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>Whether it is started; false for an id the provider does not manage.</returns>
    public bool IsStarted(Guid providerId) => StartupCount(providerId) > 0;

    /// <summary>Gets how many times <paramref name="providerId"/> has been torn down by a final NSPCleanup.</summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>The number of teardowns; 0 for an id the provider does not manage.</returns>
    public int TeardownCount(Guid providerId)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(providerId, out var entry) ? entry.Teardowns : 0;
        }
    }

    /// <summary>Shows the ids and their counts.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        lock (_lock)
        {
            return "namespace provider " + string.Join(", ", _ids.Select(id => $"{id:B} (count {_entries[id].Count})"));
        }
    }

    /// <summary>The state of one namespace provider id.</summary>
    private sealed class Entry
    {
        public int Count;
        public int Teardowns;
    }
}
