using WinsockSpi.Namespaces;
using WinsockSpi.Processes;

namespace WinsockSpi.Ws2;

/// <summary>
/// One entry of the namespace catalog: a namespace service provider and the namespace provider ids it serves
/// (WSANAMESPACE_INFO, one entry per provider here rather than one per id).
/// </summary>
/// <remarks>
/// <see cref="Ws2Api"/> loads the provider on the first name lookup of a process and calls NSPStartup once for each id;
/// the final WSACleanup calls NSPCleanup once per start (NSP-1). Immutable and thread-safe.
/// </remarks>
public sealed class NamespaceCatalogEntry
{
    /// <summary>Creates a namespace catalog entry.</summary>
    /// <param name="name">lpszIdentifier: a human readable name.</param>
    /// <param name="providerIds">The namespace provider ids to start, at least one, each once.</param>
    /// <param name="factory">
    /// Loads the provider into a process. Each call must yield a new instance the Ws2 layer owns: after the final
    /// WSACleanup has cleaned it up, it is disposed if it implements <see cref="IDisposable"/>.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="providerIds"/> is empty or names an id twice.</exception>
    public NamespaceCatalogEntry(string name, IEnumerable<Guid> providerIds, Func<SimulatedProcess, INamespaceProvider> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(providerIds);
        ArgumentNullException.ThrowIfNull(factory);
        Guid[] ids = [.. providerIds];
        if (ids.Length == 0 || ids.Distinct().Count() != ids.Length)
        {
            throw new ArgumentException("A namespace entry serves at least one provider id, each once.", nameof(providerIds));
        }

        Name = name;
        ProviderIds = ids;
        Factory = factory;
    }

    /// <summary>Gets the entry's name.</summary>
    public string Name { get; }

    /// <summary>Gets the namespace provider ids the entry serves, in the order they are started.</summary>
    public IReadOnlyList<Guid> ProviderIds { get; }

    /// <summary>Gets the factory that loads the provider into a process.</summary>
    public Func<SimulatedProcess, INamespaceProvider> Factory { get; }

    /// <summary>Shows the name and ids.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Name} [{string.Join(", ", ProviderIds)}]";
}
