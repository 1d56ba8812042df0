using System.Net.Sockets;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

/// <summary>
/// One entry of the protocol catalog, as WSAPROTOCOL_INFO describes it: the catalog entry id, the provider that serves
/// it, the address family, socket type and protocol it serves, and its protocol chain.
/// </summary>
/// <remarks>
/// <para>The protocol chain (ProtocolChain.ChainEntries) says what kind of entry this is. Length 1: a base protocol,
/// whose chain holds its own id. Length 0: a layered protocol, the hidden entry a layered service provider installs
/// for itself; <see cref="Ws2Api"/> never creates a socket on it. Length 2 or more: a protocol chain, from the top
/// layered protocol down to the base protocol (its last id).</para>
/// <para>Entries with the same <see cref="ProviderId"/> name one provider: <see cref="Ws2Api"/> loads it once per
/// process, through the <see cref="Factory"/> of the first entry that needs it, and starts it once (WS2-2). The base
/// TCP and UDP entries share the id of the base provider, as on Windows.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class ProviderCatalogEntry
{
    /// <summary>Creates a catalog entry.</summary>
    /// <param name="catalogEntryId">dwCatalogEntryId: the entry's id, unique in its catalog and never 0.</param>
    /// <param name="providerId">ProviderId: the provider's GUID.</param>
    /// <param name="protocolName">szProtocol: a human readable name, at most 255 characters.</param>
    /// <param name="addressFamily">iAddressFamily.</param>
    /// <param name="socketType">iSocketType.</param>
    /// <param name="protocolType">iProtocol.</param>
    /// <param name="factory">
    /// Loads the provider into a process (LoadLibrary and the lookup of WSPStartup). Each call must yield a new
    /// instance the Ws2 layer owns: it is disposed, if it implements <see cref="IDisposable"/>, when its WSPStartup
    /// fails or after the final WSACleanup has cleaned it up (FreeLibrary).
    /// </param>
    /// <param name="protocolChain">
    /// ProtocolChain.ChainEntries; <see langword="null"/> for a base protocol (the chain holding <paramref name="catalogEntryId"/> alone).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="protocolName"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The id is 0, the name is longer than 255 characters, a one-entry chain names another entry, or a longer chain
    /// names this entry or one entry twice.
    /// </exception>
    public ProviderCatalogEntry(
        uint catalogEntryId,
        Guid providerId,
        string protocolName,
        AddressFamily addressFamily,
        SocketType socketType,
        ProtocolType protocolType,
        Func<SimulatedProcess, IWspProvider> factory,
        IReadOnlyList<uint>? protocolChain = null)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        ArgumentNullException.ThrowIfNull(factory);
        if (catalogEntryId == 0)
        {
            throw new ArgumentException("A catalog entry id is never 0.", nameof(catalogEntryId));
        }

        if (protocolName.Length > Winsock.DescriptionMaxLength)
        {
            throw new ArgumentException($"A protocol name has at most {Winsock.DescriptionMaxLength} characters.", nameof(protocolName));
        }

        uint[] chain = protocolChain is null ? [catalogEntryId] : [.. protocolChain];
        if (chain.Length == 1 && chain[0] != catalogEntryId)
        {
            throw new ArgumentException("A base protocol's chain holds its own catalog entry id.", nameof(protocolChain));
        }

        if (chain.Length > 1 && (Array.IndexOf(chain, catalogEntryId) >= 0 || chain.Distinct().Count() != chain.Length))
        {
            throw new ArgumentException("A protocol chain names other entries, each once.", nameof(protocolChain));
        }

        CatalogEntryId = catalogEntryId;
        ProviderId = providerId;
        ProtocolName = protocolName;
        AddressFamily = addressFamily;
        SocketType = socketType;
        ProtocolType = protocolType;
        Factory = factory;
        ProtocolChain = chain;
    }

    /// <summary>Gets dwCatalogEntryId.</summary>
    public uint CatalogEntryId { get; }

    /// <summary>Gets the provider's GUID; entries sharing it share one loaded provider per process (WS2-2).</summary>
    public Guid ProviderId { get; }

    /// <summary>Gets szProtocol.</summary>
    public string ProtocolName { get; }

    /// <summary>Gets iAddressFamily.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>Gets iSocketType.</summary>
    public SocketType SocketType { get; }

    /// <summary>Gets iProtocol.</summary>
    public ProtocolType ProtocolType { get; }

    /// <summary>Gets ProtocolChain.ChainEntries: empty for a layered protocol, this entry's id alone for a base protocol, top layer to base for a chain.</summary>
    public IReadOnlyList<uint> ProtocolChain { get; }

    /// <summary>Gets whether this is a base protocol (chain length 1).</summary>
    public bool IsBaseProtocol => ProtocolChain.Count == 1;

    /// <summary>Gets whether this is a layered protocol, a layer's own hidden entry (chain length 0, LAYERED_PROTOCOL).</summary>
    public bool IsLayeredProtocol => ProtocolChain.Count == 0;

    /// <summary>Gets whether this is a protocol chain through one or more layers (chain length 2 or more).</summary>
    public bool IsProtocolChain => ProtocolChain.Count > 1;

    /// <summary>Gets the factory that loads the provider into a process.</summary>
    public Func<SimulatedProcess, IWspProvider> Factory { get; }

    /// <summary>Shows the id, name and chain.</summary>
    /// <returns>The text, for example <c>"1001 MSAFD Tcpip [TCP/IP] chain [1001]"</c>.</returns>
    public override string ToString() => $"{CatalogEntryId} {ProtocolName} chain [{string.Join(", ", ProtocolChain)}]";
}
