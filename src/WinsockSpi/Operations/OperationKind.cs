using System.Diagnostics.CodeAnalysis;

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

    /// <summary>A select waiting for a socket of its sets to become ready (WSPSelect, SLT-2); inspection shows it with the first handle of its sets.</summary>
    Select = 16,

    /// <summary>A datagram send (WSPSendTo).</summary>
    SendTo = 5,

    /// <summary>A datagram receive (WSPRecvFrom).</summary>
    ReceiveFrom = 6,

    /// <summary>An AcceptEx on a listening socket (EXT-1): waits for a connection, and then for its first data when a receive length is given.</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    AcceptEx = 7,

    /// <summary>A ConnectEx whose send data is still going out (EXT-1).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    ConnectEx = 8,

    /// <summary>A DisconnectEx waiting for the sends queued before it, after which the FIN goes (EXT-1).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    DisconnectEx = 9,
}
