using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

/// <summary>
/// The Winsock catalog a <see cref="Ws2Api"/> reads: the protocol entries (WSAEnumProtocols) in the order socket()
/// searches them, and the namespace provider entries (WSAEnumNameSpaceProviders).
/// </summary>
/// <remarks>
/// <para>Entries are added, never removed. A catalog may be shared by the Ws2 layers of several processes: it holds
/// factories, never loaded providers. Thread-safe; readers see a consistent snapshot.</para>
/// <para><see cref="CreateDefault()"/> holds the base provider's TCP and UDP entries for IPv4 and IPv6 and no
/// namespace provider.</para>
/// </remarks>
public sealed class ProviderCatalog
{
    /// <summary>The catalog entry id of the default catalog's TCP/IP entry; UDP/IP, TCP/IPv6 and UDP/IPv6 follow (1002..1004).</summary>
    public const uint FirstBaseEntryId = 1001;

    private readonly Lock _lock = new();
    private ProviderCatalogEntry[] _entries = [];
    private NamespaceCatalogEntry[] _namespaces = [];

    /// <summary>Gets the protocol entries, in search order.</summary>
    public IReadOnlyList<ProviderCatalogEntry> Entries => Volatile.Read(ref _entries);

    /// <summary>Gets the namespace provider entries, in the order they are started.</summary>
    public IReadOnlyList<NamespaceCatalogEntry> NamespaceEntries => Volatile.Read(ref _namespaces);

    /// <summary>
    /// Creates the default catalog: the base provider (<see cref="ProviderOptions.DefaultProviderId"/>) serving TCP and
    /// UDP over IPv4 and IPv6, one <see cref="ProviderRuntime"/> per process, and no namespace provider.
    /// </summary>
    /// <returns>A new catalog with entries 1001 (TCP/IP), 1002 (UDP/IP), 1003 (TCP/IPv6), 1004 (UDP/IPv6).</returns>
    public static ProviderCatalog CreateDefault()
        => CreateDefault(static process => new ProviderRuntime(new ProviderOptions { Process = process }));

    /// <summary>
    /// Creates the default catalog with another way to load the base provider, for example a
    /// <see cref="ProviderRuntime"/> with a fake clock, or a wrapper that observes every call.
    /// </summary>
    /// <param name="baseProviderFactory">Loads the base provider into a process; it serves all four entries.</param>
    /// <returns>A new catalog with entries 1001 (TCP/IP), 1002 (UDP/IP), 1003 (TCP/IPv6), 1004 (UDP/IPv6).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="baseProviderFactory"/> is <see langword="null"/>.</exception>
    public static ProviderCatalog CreateDefault(Func<SimulatedProcess, IWspProvider> baseProviderFactory)
    {
        ArgumentNullException.ThrowIfNull(baseProviderFactory);
        var id = ProviderOptions.DefaultProviderId;
        var catalog = new ProviderCatalog();
        catalog.Add(new ProviderCatalogEntry(FirstBaseEntryId, id, "MSAFD Tcpip [TCP/IP]", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, baseProviderFactory));
        catalog.Add(new ProviderCatalogEntry(FirstBaseEntryId + 1, id, "MSAFD Tcpip [UDP/IP]", AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, baseProviderFactory));
        catalog.Add(new ProviderCatalogEntry(FirstBaseEntryId + 2, id, "MSAFD Tcpip [TCP/IPv6]", AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp, baseProviderFactory));
        catalog.Add(new ProviderCatalogEntry(FirstBaseEntryId + 3, id, "MSAFD Tcpip [UDP/IPv6]", AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp, baseProviderFactory));
        return catalog;
    }

    /// <summary>Appends a protocol entry (WSCInstallProvider).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The id is taken, or the entry is a protocol chain that does not run from layered protocols already in the
    /// catalog down to a base protocol already in the catalog.
    /// </exception>
    public ProviderCatalogEntry Add(ProviderCatalogEntry entry) => Insert(int.MaxValue, entry);

    /// <summary>
    /// Inserts a protocol entry at <paramref name="index"/> of the search order (WSCInstallProvider followed by
    /// WSCWriteProviderOrder): a layered service provider puts its chains first so that socket() picks them.
    /// </summary>
    /// <param name="index">The position; beyond the end appends.</param>
    /// <param name="entry">The entry.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Add"/>.</exception>
    public ProviderCatalogEntry Insert(int index, ProviderCatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        lock (_lock)
        {
            var entries = _entries;
            if (Array.Exists(entries, e => e.CatalogEntryId == entry.CatalogEntryId))
            {
                throw new ArgumentException($"Catalog entry id {entry.CatalogEntryId} is already in the catalog.", nameof(entry));
            }

            if (entry.IsProtocolChain)
            {
                ValidateChain(entries, entry);
            }

            index = Math.Min(index, entries.Length);
            Volatile.Write(ref _entries, [.. entries[..index], entry, .. entries[index..]]);
        }

        return entry;
    }

    /// <summary>Appends a namespace provider entry (WSCInstallNameSpace).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">One of its provider ids is already served by another entry.</exception>
    public NamespaceCatalogEntry AddNamespace(NamespaceCatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            var namespaces = _namespaces;
            if (namespaces.Any(n => n.ProviderIds.Intersect(entry.ProviderIds).Any()))
            {
                throw new ArgumentException("A namespace provider id is already in the catalog.", nameof(entry));
            }

            Volatile.Write(ref _namespaces, [.. namespaces, entry]);
        }

        return entry;
    }

    /// <summary>Finds the entry with catalog entry id <paramref name="catalogEntryId"/>.</summary>
    /// <param name="catalogEntryId">dwCatalogEntryId.</param>
    /// <param name="entry">The entry, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetEntry(uint catalogEntryId, [NotNullWhen(true)] out ProviderCatalogEntry? entry)
    {
        entry = Array.Find(Volatile.Read(ref _entries), e => e.CatalogEntryId == catalogEntryId);
        return entry is not null;
    }

    /// <summary>
    /// Picks the entry socket(<paramref name="af"/>, <paramref name="type"/>, <paramref name="protocol"/>) creates its
    /// socket on: the first entry in search order that is not a layered protocol and matches all three, where 0 matches
    /// any address family, any type or any protocol (WS2-2).
    /// </summary>
    /// <param name="af">The address family, or 0 (AF_UNSPEC).</param>
    /// <param name="type">The socket type, or 0.</param>
    /// <param name="protocol">The protocol, or 0.</param>
    /// <returns>
    /// The entry; or WSAEINVAL when both <paramref name="af"/> and <paramref name="protocol"/> are 0 (nothing to go
    /// on); otherwise, checked in this order, WSAEAFNOSUPPORT when no entry serves the family, WSAESOCKTNOSUPPORT when
    /// none of those serves the type, WSAEPROTONOSUPPORT when none of those serves the protocol.
    /// </returns>
    /// <remarks>The error rules reproduce the WSASocket table of Wine's ws2_32 tests, which assert Windows' behaviour.</remarks>
    public SpiResult<ProviderCatalogEntry> FindEntry(int af, int type, int protocol)
    {
        if (af == 0 && protocol == 0)
        {
            return WsaError.InvalidArgument;
        }

        var error = WsaError.AddressFamilyNotSupported;
        foreach (var entry in Volatile.Read(ref _entries))
        {
            if (entry.IsLayeredProtocol || (af != 0 && (int)entry.AddressFamily != af))
            {
                continue;
            }

            if (type != 0 && (int)entry.SocketType != type)
            {
                error = error == WsaError.AddressFamilyNotSupported ? WsaError.SocketNotSupported : error;
                continue;
            }

            if (protocol != 0 && (int)entry.ProtocolType != protocol)
            {
                error = WsaError.ProtocolNotSupported;
                continue;
            }

            return entry;
        }

        return error;
    }

    private static void ValidateChain(ProviderCatalogEntry[] entries, ProviderCatalogEntry entry)
    {
        var chain = entry.ProtocolChain;
        for (int i = 0; i < chain.Count; i++)
        {
            var link = Array.Find(entries, e => e.CatalogEntryId == chain[i])
                ?? throw new ArgumentException($"Protocol chain of {entry.CatalogEntryId} names entry {chain[i]}, which is not in the catalog.", nameof(entry));
            bool last = i == chain.Count - 1;
            if (last ? !link.IsBaseProtocol : !link.IsLayeredProtocol)
            {
                throw new ArgumentException(
                    $"Protocol chain of {entry.CatalogEntryId}: entry {chain[i]} must be a {(last ? "base protocol (it ends the chain)" : "layered protocol")}.",
                    nameof(entry));
            }
        }
    }
}
