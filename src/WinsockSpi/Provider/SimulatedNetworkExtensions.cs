using WinsockSpi.Network;

namespace WinsockSpi.Provider;

/// <summary>Provider facts about a <see cref="SimulatedNetwork"/>, which itself knows no provider.</summary>
public static class SimulatedNetworkExtensions
{
    /// <summary>Gets how many processes hold a started instance of the provider <paramref name="providerId"/> on <paramref name="network"/> (STA-6).</summary>
    /// <param name="network">The network.</param>
    /// <param name="providerId">The provider id (<see cref="ProviderOptions.ProviderId"/>).</param>
    /// <returns>The number of client processes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is <see langword="null"/>.</exception>
    public static int GetClientProcessCount(this SimulatedNetwork network, Guid providerId)
    {
        ArgumentNullException.ThrowIfNull(network);
        return ClientProcesses.Of(network).Count(providerId);
    }
}
