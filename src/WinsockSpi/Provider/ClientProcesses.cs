using System.Runtime.CompilerServices;
using WinsockSpi.Network;

namespace WinsockSpi.Provider;

/// <summary>
/// Provider policy kept beside the network it applies to: which processes hold a started instance of each provider
/// (STA-6, MaxProcesses). Counted per instance, so a process with two started instances of one provider stays counted
/// until the last of them is cleaned up.
/// </summary>
/// <remarks>Thread-safe. The network itself knows nothing of providers (CLN-8: it outlives them).</remarks>
internal sealed class ClientProcesses
{
    private static readonly ConditionalWeakTable<SimulatedNetwork, ClientProcesses> s_byNetwork = [];

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Dictionary<int, int>> _instances = [];

    public static ClientProcesses Of(SimulatedNetwork network) => s_byNetwork.GetValue(network, static _ => new ClientProcesses());

    /// <summary>Counts one more started instance of <paramref name="providerId"/> in <paramref name="processId"/>.</summary>
    /// <returns>Success, or WSAEPROCLIM when the process is new and <paramref name="maxProcesses"/> are already counted.</returns>
    public WsaError TryAdd(Guid providerId, int processId, int maxProcesses)
    {
        lock (_lock)
        {
            if (!_instances.TryGetValue(providerId, out var processes))
            {
                processes = [];
                _instances.Add(providerId, processes);
            }

            if (processes.TryGetValue(processId, out int instances))
            {
                processes[processId] = instances + 1; // a process already counted is never refused (STA-6)
                return WsaError.Success;
            }

            if (maxProcesses > 0 && processes.Count >= maxProcesses)
            {
                return WsaError.ProcessLimit;
            }

            processes.Add(processId, 1);
            return WsaError.Success;
        }
    }

    /// <summary>Uncounts one started instance; the process is uncounted with its last instance.</summary>
    public void Remove(Guid providerId, int processId)
    {
        lock (_lock)
        {
            if (_instances.TryGetValue(providerId, out var processes) && processes.TryGetValue(processId, out int instances))
            {
                if (instances > 1)
                {
                    processes[processId] = instances - 1;
                }
                else
                {
                    processes.Remove(processId);
                }
            }
        }
    }

    public int Count(Guid providerId)
    {
        lock (_lock)
        {
            return _instances.TryGetValue(providerId, out var processes) ? processes.Count : 0;
        }
    }
}
