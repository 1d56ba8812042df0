using System.Diagnostics.CodeAnalysis;
using System.Net;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// A harness-driven listener on the <see cref="SimulatedNetwork"/>: sockets that connect to its endpoint get a
/// connection at once, whose far end is a <see cref="RemotePeer"/> taken with <see cref="Accept"/>.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed partial class PeerListener : IListenerTarget, IDisposable
{
    private readonly SimulatedNetwork _network;
    private readonly Queue<RemotePeer> _backlog = new();
    private bool _closed;

    internal PeerListener(SimulatedNetwork network, EndPoint endPoint, int sendBufferSize)
    {
        _network = network;
        EndPoint = endPoint;
        SendBufferSize = sendBufferSize;
    }

    /// <summary>Gets the endpoint sockets connect to.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>Gets the buffer size of the peer's sending side of each connection (what the socket can have waiting to be received).</summary>
    public int SendBufferSize { get; }

    /// <summary>Gets how many connections wait to be accepted.</summary>
    public int PendingCount
    {
        get
        {
            lock (_backlog)
            {
                return _backlog.Count;
            }
        }
    }

    /// <summary>Takes the oldest connection's peer.</summary>
    /// <returns>The peer.</returns>
    /// <exception cref="InvalidOperationException">No connection is waiting; connect a socket first, or use <see cref="TryAccept"/>.</exception>
    public RemotePeer Accept() => TryAccept(out var peer) ? peer : throw new InvalidOperationException($"No connection is waiting at {EndPoint}.");

    /// <summary>Takes the oldest connection's peer, if any.</summary>
    /// <param name="peer">The peer.</param>
    /// <returns>Whether a connection was waiting.</returns>
    public bool TryAccept([NotNullWhen(true)] out RemotePeer? peer)
    {
        bool accepted;
        lock (_backlog)
        {
            accepted = _backlog.TryDequeue(out peer);
        }

        if (accepted)
        {
            _network.Recorder?.Record(TraceEventKind.Peer, "Accept", 0, 0, null, null, null, peer!.Describe());
        }

        return accepted;
    }

    /// <summary>Stops listening: later connects are refused (WSAECONNREFUSED); connections not accepted yet are reset.</summary>
    public void Dispose()
    {
        RemotePeer[] orphans;
        lock (_backlog)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            orphans = [.. _backlog];
            _backlog.Clear();
        }

        _network.Unlisten(EndPoint, this);
        foreach (var orphan in orphans)
        {
            orphan.Reset();
        }
    }

    bool IListenerTarget.Offer(Connection connection)
    {
        ScriptedPeer? scripted;
        lock (_backlog)
        {
            if (_closed)
            {
                return false;
            }

            scripted = TakeScript_NeedsLock(connection);
            if (scripted is null)
            {
                _backlog.Enqueue(new RemotePeer(connection.Acceptor));
                return true;
            }
        }

        return StartScript(scripted);
    }

    /// <summary>Shows the endpoint.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"peer listener {EndPoint}";
}
