namespace WinsockSpi.Namespaces;

/// <summary>
/// The startup and cleanup entry points of a namespace service provider (NSPStartup / NSPCleanup). One provider
/// may manage several namespace provider ids; each id keeps its own count of startups (NSP-1).
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface INamespaceProvider
{
    /// <summary>Gets the namespace provider ids this provider manages.</summary>
    IReadOnlyCollection<Guid> ProviderIds { get; }

    /// <summary>NSPStartup: starts, or counts one more start of, the namespace provider <paramref name="providerId"/> (NSP-1).</summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>Success, or the error (WSAEINVAL for an id the provider does not manage).</returns>
    SpiResult Startup(Guid providerId);

    /// <summary>NSPCleanup: drops one start of <paramref name="providerId"/>; only the final one tears down (NSP-1).</summary>
    /// <param name="providerId">The namespace provider id.</param>
    /// <returns>Success; WSAEINVAL for an id the provider does not manage; WSANOTINITIALISED when that id is not started.</returns>
    SpiResult Cleanup(Guid providerId);
}
