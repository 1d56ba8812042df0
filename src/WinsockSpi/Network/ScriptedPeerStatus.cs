namespace WinsockSpi.Network;

/// <summary>Where the run of a <see cref="PeerScript"/> on one connection stands.</summary>
public enum ScriptedPeerStatus
{
    /// <summary>A step waits for the client (bytes, a close, or buffer room); it resumes when the network signals the peer.</summary>
    Waiting = 0,

    /// <summary>Every step ran; the connection is left as the last step made it.</summary>
    Completed = 1,

    /// <summary>A <see cref="PeerScript.Stall"/> step stopped the script; the connection stays open and unread.</summary>
    Stalled = 2,

    /// <summary>An expectation failed (<see cref="ScriptedPeer.Failure"/> says which byte); the connection was reset.</summary>
    Failed = 3,

    /// <summary>The script refused the connection (<see cref="PeerScript.Refuse"/>): the client's connect got WSAECONNREFUSED.</summary>
    Refused = 4,
}
