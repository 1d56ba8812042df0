namespace WinsockSpi.Provider;

/// <summary>Where a provider socket is in its life. Every phase ends, at the latest, with the last close of its handles.</summary>
internal enum SocketPhase
{
    /// <summary>Made by WSPSocket. Next: <see cref="Bound"/> (bind), <see cref="Connected"/> (connect, binding implicitly).</summary>
    Created = 0,

    /// <summary>Has a local endpoint. Next: <see cref="Listening"/> (listen), <see cref="Connected"/> (connect).</summary>
    Bound,

    /// <summary>Accepts connections into its backlog. Next: none (only close ends it).</summary>
    Listening,

    /// <summary>
    /// Has a connection; data flows in the directions not shut down (<see cref="ShutdownState"/>). Next:
    /// <see cref="Reset"/> (the connection is reset), <see cref="Broken"/> (a cancelled blocking send or receive, BLK-3).
    /// </summary>
    Connected,

    /// <summary>The connection was reset (by the peer, or a hard close): calls give WSAECONNRESET. Next: none.</summary>
    Reset,

    /// <summary>
    /// A cancelled blocking stream call left the stream unusable (BLK-3): every call but close gives WSAECONNABORTED, and a
    /// later reset still fails what is queued. Next: none.
    /// </summary>
    Broken,
}

/// <summary>Which directions of a connected socket are shut down (WSPShutdown).</summary>
[Flags]
internal enum ShutdownState
{
    /// <summary>Both directions open.</summary>
    None = 0,

    /// <summary>Receiving is shut down: receives give WSAESHUTDOWN.</summary>
    Receive = 1,

    /// <summary>Sending is shut down: sends give WSAESHUTDOWN; the FIN is queued (or follows <see cref="FinAfterSends"/>).</summary>
    Send = 2,

    /// <summary>With <see cref="Send"/>: sends were still queued, so the FIN goes once the last of them completes.</summary>
    FinAfterSends = 4,
}

/// <summary>One-shot network events a socket still owes or has already recorded (the re-enabling rules of SEL-1).</summary>
[Flags]
internal enum EventLatch
{
    /// <summary>Nothing owed.</summary>
    None = 0,

    /// <summary>A send could not complete: FD_WRITE is recorded once room opens and no send is queued.</summary>
    WriteOwed = 1,

    /// <summary>A non-blocking connect completed before event select asked for FD_CONNECT: it is recorded when asked.</summary>
    ConnectOwed = 2,

    /// <summary>FD_CLOSE was recorded (end of stream or reset): it is recorded once.</summary>
    CloseRecorded = 4,
}
