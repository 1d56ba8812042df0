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

    /// <summary>An AcceptEx on a listening socket (EXT-1): waits for a connection, and then for its first data when a receive length is given.</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    AcceptEx = 5,

    /// <summary>A ConnectEx whose send data is still going out (EXT-1).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    ConnectEx = 6,

    /// <summary>A DisconnectEx waiting for the sends queued before it, after which the FIN goes (EXT-1).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    DisconnectEx = 7,
}
