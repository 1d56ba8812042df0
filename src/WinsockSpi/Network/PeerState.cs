namespace WinsockSpi.Network;

/// <summary>What a <see cref="RemotePeer"/> has seen of its connection.</summary>
public enum PeerState
{
    /// <summary>The connection is up; the far side has neither closed nor reset it.</summary>
    Open = 0,

    /// <summary>The far side closed gracefully and the peer has read every byte before the FIN (end of stream).</summary>
    FinReceived = 1,

    /// <summary>The connection was reset (by the far side: the peer saw WSAECONNRESET; or by the peer itself).</summary>
    Reset = 2,
}
