using System.Globalization;

namespace WinsockSpi.Network;

/// <summary>The listener's scripted connections (<see cref="PeerScript"/>).</summary>
public sealed partial class PeerListener
{
    private readonly Queue<PeerScript> _scripts = new();
    private readonly List<ScriptedPeer> _scripted = [];

    /// <summary>Gets the scripts given with <see cref="Script(PeerScript[])"/> that no connection has taken yet.</summary>
    public int ScriptsWaiting
    {
        get
        {
            lock (_backlog)
            {
                return _scripts.Count;
            }
        }
    }

    /// <summary>Gets the runs of the scripts that connections took, in the order the connections arrived.</summary>
    public IReadOnlyList<ScriptedPeer> ScriptedPeers
    {
        get
        {
            lock (_backlog)
            {
                return [.. _scripted];
            }
        }
    }

    /// <summary>
    /// Gives the next connections one script each, in order: the connection that arrives takes the oldest script not
    /// taken yet and the script starts at once, on the connecting thread, before the connect returns. Connections that
    /// arrive when no script is left wait in the backlog for <see cref="Accept"/>, as without scripts.
    /// </summary>
    /// <param name="scripts">The scripts; the same one may be given more than once.</param>
    /// <exception cref="ArgumentException">A script is null.</exception>
    public void Script(params PeerScript[] scripts)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        if (Array.IndexOf(scripts, null) >= 0)
        {
            throw new ArgumentException("A script is null.", nameof(scripts));
        }

        lock (_backlog)
        {
            foreach (var script in scripts)
            {
                _scripts.Enqueue(script);
            }
        }
    }

    /// <summary>Describes the listener, its backlog and each scripted connection, one per line after the first.</summary>
    /// <returns>The text.</returns>
    public string DumpState()
    {
        lock (_backlog)
        {
            var text = new System.Text.StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{this}: {_backlog.Count} connections waiting to be accepted, {_scripts.Count} scripts not taken yet{(_closed ? ", closed" : string.Empty)}");
            foreach (var run in _scripted)
            {
                text.Append("\n  ").Append(run);
            }

            return text.ToString();
        }
    }

    private ScriptedPeer? TakeScript_NeedsLock(Connection connection)
    {
        if (!_scripts.TryDequeue(out var script))
        {
            return null;
        }

        var run = new ScriptedPeer(this, _scripted.Count + 1, script, new RemotePeer(connection.Acceptor));
        _scripted.Add(run);
        return run;
    }

    /// <summary>Starts a run with no lock held (its first steps signal the client's socket).</summary>
    /// <returns>Whether the connection is taken; false refuses it.</returns>
    private static bool StartScript(ScriptedPeer run)
    {
        if (run.Script.RefusesConnection)
        {
            run.MarkRefused();
            return false;
        }

        run.Start();
        return true;
    }
}
