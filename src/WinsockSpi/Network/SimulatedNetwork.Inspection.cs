using System.Globalization;
using System.Text;

namespace WinsockSpi.Network;

/// <summary>The network's connections as a whole, for state dumps.</summary>
public sealed partial class SimulatedNetwork
{
    private readonly List<Connection> _connections = [];
    private int _pruneAt = 64;

    /// <summary>Gets how many connections can still move bytes (not reset, and not closed and drained both ways).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                Prune_NeedsLock();
                return _connections.Count;
            }
        }
    }

    /// <summary>
    /// Describes the network in readable lines: availability, every listener (harness listeners with their backlog and
    /// scripted connections, listening sockets), every connection that can still move bytes, with the bytes in flight
    /// each way and whether a FIN or reset was sent, and every datagram address: the endpoints of sockets (with the
    /// socket that bound it) and the harness's datagram peers, each with the messages and bytes queued, the messages
    /// received and dropped, and the address it is connected to. For failure messages; the format may change.
    /// </summary>
    /// <returns>The text; each connection and listener on its own line.</returns>
    /// <remarks>Thread-safe. Each connection is read in one step under its own lock, the network as a whole is not frozen.</remarks>
    public string DumpState()
    {
        KeyValuePair<System.Net.EndPoint, IListenerTarget>[] listeners;
        Connection[] connections;
        DatagramEndpoint[] datagrams;
        int bound;
        bool held;
        lock (_lock)
        {
            Prune_NeedsLock();
            listeners = [.. _listeners];
            connections = [.. _connections];
            datagrams = [.. _datagrams.Values];
            bound = _bound.Count;
            held = _holdDatagrams;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"network: {(IsAvailable ? "available" : "DOWN")}, {listeners.Length} listeners, {connections.Length} live connections, {bound} endpoints bound");
        text.Append(CultureInfo.InvariantCulture, $", {datagrams.Length} datagram endpoints, {DatagramsDelivered} datagrams delivered, {DatagramsDropped} dropped{(held ? ", datagram sends held" : string.Empty)}");
        foreach (var (endPoint, target) in listeners)
        {
            text.Append("\n  listener ").Append(target is PeerListener peer ? peer.DumpState().Replace("\n", "\n  ", StringComparison.Ordinal) : string.Create(CultureInfo.InvariantCulture, $"{endPoint}: a listening socket"));
        }

        foreach (var connection in connections)
        {
            text.Append("\n  connection ").Append(Describe(connection));
        }

        // The sockets' endpoints first, then the harness peers, each group in address order (a dictionary has no stable order).
        Array.Sort(datagrams, static (x, y) => (x.Owner is null) != (y.Owner is null) ? (x.Owner is null ? 1 : -1)
            : string.CompareOrdinal(x.LocalEndPoint.ToString(), y.LocalEndPoint.ToString()));
        foreach (var datagram in datagrams)
        {
            text.Append(datagram.Owner is null ? "\n  datagram peer " : "\n  datagram endpoint ").Append(Describe(datagram));
        }

        AppendDatagramScripts(text);

        return text.ToString();
    }

    /// <summary>Records a new connection (called by its constructor).</summary>
    internal void Track(Connection connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
            if (_connections.Count >= _pruneAt)
            {
                // Amortized: finished connections are dropped when the list has doubled since the last pass.
                Prune_NeedsLock();
                _pruneAt = Math.Max(64, _connections.Count * 2);
            }
        }
    }

    private static string Describe(Connection connection)
    {
        var a = connection.Initiator;
        var b = connection.Acceptor;
        using (connection.Gate.Enter())
        {
            return $"{a.LocalEndPoint} -> {b.LocalEndPoint}: {(connection.IsReset ? $"RESET by {(a.ResetByOther ? "the acceptor" : "the initiator")}" : "open")}; "
                + $"to the acceptor {Flow(a.Outbound)}; to the initiator {Flow(b.Outbound)}";
        }
    }

    private static string Describe(DatagramEndpoint endpoint)
    {
        var (messages, bytes, received, dropped, connectedTo) = endpoint.Snapshot();
        string owner = endpoint.Owner is null ? string.Empty : " (" + endpoint.Owner + ")";
        string connected = connectedTo is null ? string.Empty : ", connected to " + connectedTo;
        return string.Create(CultureInfo.InvariantCulture, $"{endpoint.LocalEndPoint}{owner}{connected}: {messages} messages queued ({bytes} of {endpoint.Capacity} bytes), {received} received, {dropped} dropped");
    }

    private static string Flow(Pipe pipe) =>
        $"{pipe.Count} bytes in flight ({pipe.TotalWritten} sent, {pipe.TotalRead} read){(pipe.Fin ? ", FIN sent" : string.Empty)}";

    private void Prune_NeedsLock()
    {
        _connections.RemoveAll(static c =>
        {
            using (c.Gate.Enter())
            {
                return c.IsFinished_NeedsGate;
            }
        });
    }
}
