namespace WinsockSpi.Sockets;

/// <summary>Where a socket is in its life.</summary>
public enum SocketState
{
    /// <summary>Created, neither bound nor connected.</summary>
    Created = 0,

    /// <summary>Bound to a local endpoint.</summary>
    Bound = 1,

    /// <summary>Listening for connections.</summary>
    Listening = 2,

    /// <summary>Connected (data may flow in either direction that is not shut down).</summary>
    Connected = 3,

    /// <summary>The connection was reset (by the peer, or by a hard close): later calls fail with WSAECONNRESET.</summary>
    Reset = 4,
}
