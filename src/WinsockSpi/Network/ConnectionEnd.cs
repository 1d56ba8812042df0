using System.Net;

namespace WinsockSpi.Network;

/// <summary>One end of a <see cref="Connection"/>: what it reads, what it writes, and who to tell when either changes.</summary>
internal sealed class ConnectionEnd(Connection connection, Pipe inbound, Pipe outbound, EndPoint local, EndPoint remote)
{
    private volatile IConnectionListener? _listener;

    public Connection Connection { get; } = connection;

    public Pipe Inbound { get; } = inbound;

    public Pipe Outbound { get; } = outbound;

    public ConnectionEnd Other { get; set; } = null!;

    public EndPoint LocalEndPoint { get; } = local;

    public EndPoint RemoteEndPoint { get; } = remote;

    /// <summary>Gets or sets whether the other end reset the connection (this end sees WSAECONNRESET). Guarded by the connection lock.</summary>
    public bool ResetByOther { get; set; }

    /// <summary>Gets or sets who is told when this end's pipes change: a socket, a lingering close, or nobody.</summary>
    public IConnectionListener? Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Tells this end's listener that its pipes changed. Called with no connection lock held.</summary>
    public void Signal() => _listener?.OnConnectionChanged(this);
}
