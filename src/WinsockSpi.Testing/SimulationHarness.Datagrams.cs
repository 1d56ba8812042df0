using System.Net;
using WinsockSpi.Network;

namespace WinsockSpi.Testing;

/// <summary>The harness's scripted datagram peers.</summary>
public abstract partial class SimulationHarness
{
    private readonly List<ScriptedDatagramPeer> _datagramPeers = [];

    /// <summary>
    /// Binds a scripted datagram peer on a free loopback port of <see cref="Network"/>
    /// (<see cref="SimulatedNetwork.AddDatagramPeer(EndPoint, DatagramPeerScript, int)"/>): each datagram sent to its
    /// <see cref="ScriptedDatagramPeer.EndPoint"/> resumes the script inside the sender's call. The harness releases the
    /// address when disposed, fails its disposal when the script failed, and checks it in
    /// <see cref="AssertScriptsCompleted"/>.
    /// </summary>
    /// <param name="script">The script.</param>
    /// <returns>The run.</returns>
    public ScriptedDatagramPeer AddDatagramPeer(DatagramPeerScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var run = Network.AddDatagramPeer(new IPEndPoint(IPAddress.Loopback, 0), script);
        lock (_datagramPeers)
        {
            _datagramPeers.Add(run);
        }

        return run;
    }

    private ScriptedDatagramPeer[] DatagramPeers()
    {
        lock (_datagramPeers)
        {
            return [.. _datagramPeers];
        }
    }

    /// <summary>The datagram scripts that failed or still wait, as lines of a failure message.</summary>
    private IEnumerable<string> UnfinishedDatagramScripts() =>
        DatagramPeers().Where(r => r.Status is ScriptedPeerStatus.Failed or ScriptedPeerStatus.Waiting).Select(r => r.ToString());

    /// <summary>The failures of the datagram scripts.</summary>
    private IEnumerable<string> FailedDatagramScripts() =>
        DatagramPeers().Where(r => r.Status == ScriptedPeerStatus.Failed).Select(r => r.Failure!);

    private void ReleaseDatagramPeers()
    {
        foreach (var run in DatagramPeers())
        {
            run.Dispose();
        }
    }
}
