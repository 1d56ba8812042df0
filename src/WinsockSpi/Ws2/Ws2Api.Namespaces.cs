using System.Net;
using System.Net.Sockets;
using WinsockSpi.Namespaces;

namespace WinsockSpi.Ws2;

public sealed partial class Ws2Api
{
    /// <summary>
    /// gethostbyname, reduced to what the simulator can answer: like every name lookup it first starts the namespace
    /// providers of the catalog (NSPStartup once per provider id per process, NSP-1), then resolves
    /// <c>"localhost"</c> and IPv4 literals. The simulator has no name service of its own.
    /// </summary>
    /// <param name="name">The host name; <see langword="null"/> or empty for the local host.</param>
    /// <returns>
    /// The host entry (h_name, h_aliases, h_addr_list; IPv4 only); or <see langword="null"/> with the calling thread's
    /// last error set to WSANOTINITIALISED, or to WSAHOST_NOT_FOUND (11001) for any other name.
    /// </returns>
    /// <remarks>
    /// A namespace provider whose NSPStartup fails is not counted (and not cleaned up); the next lookup tries it again.
    /// Thread-safe; the starts are serialised with WSAStartup and WSACleanup.
    /// </remarks>
    public IPHostEntry? gethostbyname(string? name)
    {
        var error = StartNamespaceProviders();
        if (error != WsaError.Success)
        {
            SetLastError(error);
            return null;
        }

        if (string.IsNullOrEmpty(name) || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPHostEntry { HostName = "localhost", Aliases = [], AddressList = [IPAddress.Loopback] };
        }

        if (IPAddress.TryParse(name, out var address) && address.AddressFamily == AddressFamily.InterNetwork)
        {
            return new IPHostEntry { HostName = name, Aliases = [], AddressList = [address] };
        }

        WSASetLastError(Ws2Constants.WSAHOST_NOT_FOUND);
        return null;
    }

    /// <summary>Loads and starts every namespace provider of the catalog not started yet in this session (NSP-1).</summary>
    private WsaError StartNamespaceProviders()
    {
        lock (_lifecycleLock)
        {
            if (CheckStarted() is var error && error != WsaError.Success)
            {
                return error;
            }

            foreach (var entry in Catalog.NamespaceEntries)
            {
                LoadedNamespace? loaded;
                lock (_lock)
                {
                    loaded = _namespaces.Find(n => n.Entry == entry);
                }

                if (loaded is null)
                {
                    var provider = entry.Factory(Process)
                        ?? throw new InvalidOperationException($"The factory of namespace entry {entry.Name} returned null.");
                    loaded = new LoadedNamespace(entry, provider);
                    lock (_lock)
                    {
                        _namespaces.Add(loaded);
                    }
                }

                foreach (var id in entry.ProviderIds)
                {
                    if (loaded.IsStarted(id))
                    {
                        continue;
                    }

                    var result = loaded.Provider.Startup(id);
                    if (result.IsSuccess)
                    {
                        loaded.CountStart(id);
                    }
                    else
                    {
                        Ws2Log.NamespaceStartupFailed(_logger, id, result.Error);
                    }
                }
            }

            return WsaError.Success;
        }
    }

    /// <summary>
    /// A namespace provider loaded in the current session and the starts the layer made per provider id. Touched only
    /// under the lifecycle lock.
    /// </summary>
    private sealed class LoadedNamespace(NamespaceCatalogEntry entry, INamespaceProvider provider)
    {
        private readonly Dictionary<Guid, int> _starts = [];

        public NamespaceCatalogEntry Entry { get; } = entry;

        public INamespaceProvider Provider { get; } = provider;

        public bool IsStarted(Guid id) => _starts.GetValueOrDefault(id) > 0;

        public void CountStart(Guid id) => _starts[id] = _starts.GetValueOrDefault(id) + 1;

        /// <summary>NSPCleanup once per start, each id in start order; returns the number of calls.</summary>
        public int CleanupAll()
        {
            int calls = 0;
            foreach (var id in Entry.ProviderIds)
            {
                for (int n = _starts.GetValueOrDefault(id); n > 0; n--)
                {
                    Provider.Cleanup(id);
                    calls++;
                }
            }

            _starts.Clear();
            return calls;
        }
    }
}
