using System.Collections.Concurrent;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Ws2;

/// <summary>A catalog factory that loads a fresh <see cref="CountingProvider"/> each time and remembers every load.</summary>
internal sealed class CountingProviderFactory(Guid providerId, Action<ProviderOptions>? configure = null)
{
    private readonly ConcurrentQueue<CountingProvider> _loads = new();

    public CountingProviderFactory()
        : this(ProviderOptions.DefaultProviderId)
    {
    }

    public Guid ProviderId { get; } = providerId;

    /// <summary>Gets every provider loaded so far, in load order.</summary>
    public IReadOnlyList<CountingProvider> Loads => [.. _loads];

    /// <summary>Gets the most recent load.</summary>
    public CountingProvider Last => Loads[^1];

    public IWspProvider Load(SimulatedProcess process)
    {
        var options = new ProviderOptions { Process = process, ProviderId = ProviderId };
        configure?.Invoke(options);
        var provider = new CountingProvider(new ProviderRuntime(options));
        _loads.Enqueue(provider);
        return provider;
    }
}
