using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Processes;

namespace WinsockSpi.Layering;

/// <summary>Settings of a <see cref="LayeredProvider"/>.</summary>
public sealed class LayeredProviderOptions
{
    /// <summary>Gets or sets the layer's identity (the catalog GUID of its layered protocol entry).</summary>
    /// <value>The default is <see cref="Guid.Empty"/>: a new GUID per layer.</value>
    public Guid ProviderId { get; set; }

    /// <summary>Gets or sets the lowest version the layer supports in its own negotiation (STA-2).</summary>
    /// <value>The default is 2.2.</value>
    public WinsockVersion LowestVersion { get; set; } = WinsockVersion.V2_2;

    /// <summary>Gets or sets the highest version the layer supports (STA-2); it is also the version the layer asks of the lower provider.</summary>
    /// <value>The default is 2.2.</value>
    public WinsockVersion HighestVersion { get; set; } = WinsockVersion.V2_2;

    /// <summary>Gets or sets the description returned in WSPDATA; longer than 255 characters is cut (STA-3).</summary>
    /// <value>The default is "WinsockSpi layered provider".</value>
    public string Description { get; set; } = "WinsockSpi layered provider";

    /// <summary>Gets or sets what observes and alters the calls through the layer.</summary>
    /// <value>The default is <see langword="null"/>: calls pass through untouched.</value>
    public ILayerInterceptor? Interceptor { get; set; }

    /// <summary>
    /// Gets or sets the client process. The layer releases its count without cleanup when the process ends (PRC-2), and
    /// until a startup supplies an upcall table, upcalls from below go to the process's own table.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the process of the lower provider when it is a
    /// <see cref="Provider.ProviderRuntime"/> or a <see cref="LayeredProvider"/>, otherwise none.</value>
    public SimulatedProcess? Process { get; set; }

    /// <summary>Gets or sets the logger factory.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Gets or sets whether the layer owns the lower provider given to its constructor: <see cref="LayeredProvider.Dispose"/>
    /// then disposes it too (as a catalog entry's factory that builds a whole chain wants).
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool OwnsLowerProvider { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Description, nameof(Description));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
        if (LowestVersion > HighestVersion)
        {
            throw new ArgumentException($"LowestVersion {LowestVersion} is above HighestVersion {HighestVersion}.", nameof(LowestVersion));
        }
    }
}
