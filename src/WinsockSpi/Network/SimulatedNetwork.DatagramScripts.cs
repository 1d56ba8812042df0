using System.Globalization;
using System.Net;
using System.Text;

namespace WinsockSpi.Network;

/// <summary>The network's scripted datagram peers (<see cref="DatagramPeerScript"/>).</summary>
public sealed partial class SimulatedNetwork
{
    private readonly List<ScriptedDatagramPeer> _scriptedDatagramPeers = [];

    /// <summary>Gets the scripted datagram peers made by <see cref="AddDatagramPeer"/>, in the order they were made (disposed ones included).</summary>
    internal IReadOnlyList<ScriptedDatagramPeer> ScriptedDatagramPeers
    {
        get
        {
            lock (_lock)
            {
                return [.. _scriptedDatagramPeers];
            }
        }
    }

    /// <summary>
    /// Binds a datagram peer that runs <paramref name="script"/>: each datagram that arrives resumes the script on the
    /// sending thread, so a blocking client's <c>sendto</c> finds the script's reply queued when its <c>recvfrom</c>
    /// runs. Steps that need no datagram (a first <see cref="DatagramPeerScript.SendTo"/>) run at once, before this
    /// method returns.
    /// </summary>
    /// <param name="endPoint">An <see cref="IPEndPoint"/>; port 0 picks a free port.</param>
    /// <param name="script">The script.</param>
    /// <param name="receiveBufferSize">The most bytes of datagrams its queue holds; 0 takes <see cref="DefaultBufferSize"/>.</param>
    /// <returns>The run; dispose it (or its <see cref="ScriptedDatagramPeer.Peer"/>) to release the address.</returns>
    /// <exception cref="ArgumentException">The endpoint is not an <see cref="IPEndPoint"/>, or is already bound for datagrams.</exception>
    public ScriptedDatagramPeer AddDatagramPeer(EndPoint endPoint, DatagramPeerScript script, int receiveBufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(script);
        var peer = BindDatagram(endPoint, receiveBufferSize);
        var run = new ScriptedDatagramPeer(this, script, peer);
        peer.Endpoint.Listener = run;
        lock (_lock)
        {
            _scriptedDatagramPeers.Add(run);
        }

        run.Start();
        return run;
    }

    /// <summary>Describes each scripted datagram peer on its own line: where its script stands.</summary>
    private void AppendDatagramScripts(StringBuilder text)
    {
        ScriptedDatagramPeer[] scripted;
        lock (_lock)
        {
            scripted = [.. _scriptedDatagramPeers];
        }

        foreach (var run in scripted)
        {
            text.Append("\n  ").Append(run);
        }
    }
}
