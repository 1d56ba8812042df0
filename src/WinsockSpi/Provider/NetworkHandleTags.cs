using System.Runtime.CompilerServices;
using WinsockSpi.Network;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>
/// The handle tags of each network, kept beside it (the network knows nothing of providers or sockets, CLN-8), so the
/// handles a provider issues depend only on its network's history (deterministic traces).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal static class NetworkHandleTags
{
    private static readonly ConditionalWeakTable<SimulatedNetwork, HandleTags> s_byNetwork = [];

    public static HandleTags Of(SimulatedNetwork network) => s_byNetwork.GetValue(network, static _ => new HandleTags());
}
