namespace WinsockSpi.Operations;

/// <summary>What a pending operation does.</summary>
public enum OperationKind
{
    /// <summary>A send (WSPSend).</summary>
    Send = 1,

    /// <summary>A receive (WSPRecv).</summary>
    Receive = 2,

    /// <summary>An accept (WSPAccept).</summary>
    Accept = 3,

    /// <summary>A close waiting for its linger time (WSPCloseSocket with SO_LINGER).</summary>
    LingeringClose = 4,

    /// <summary>A datagram send (WSPSendTo).</summary>
    SendTo = 5,

    /// <summary>A datagram receive (WSPRecvFrom).</summary>
    ReceiveFrom = 6,
}
