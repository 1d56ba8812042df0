namespace WinsockSpi;

/// <summary>
/// The service-provider calls of a <c>ProviderRuntime</c> (the entries of WSPPROC_TABLE it implements), as traces name
/// them and fault plans count them.
/// </summary>
public enum SpiCall
{
    /// <summary>WSPStartup.</summary>
    Startup,

    /// <summary>WSPCleanup.</summary>
    Cleanup,

    /// <summary>WSPSocket.</summary>
    Socket,

    /// <summary>WSPDuplicateSocket.</summary>
    DuplicateSocket,

    /// <summary>WSPCloseSocket.</summary>
    CloseSocket,

    /// <summary>WSPSetSockOpt with SO_LINGER or SO_DONTLINGER.</summary>
    SetLinger,

    /// <summary>WSPIoctl with FIONBIO.</summary>
    SetBlocking,

    /// <summary>WSPBind.</summary>
    Bind,

    /// <summary>WSPListen.</summary>
    Listen,

    /// <summary>WSPAccept.</summary>
    Accept,

    /// <summary>WSPConnect.</summary>
    Connect,

    /// <summary>WSPShutdown.</summary>
    Shutdown,

    /// <summary>WSPSend.</summary>
    Send,

    /// <summary>WSPRecv.</summary>
    Receive,

    /// <summary>WSPGetOverlappedResult.</summary>
    GetOverlappedResult,

    /// <summary>WSPCancelBlockingCall.</summary>
    CancelBlockingCall,

    /// <summary>WSPEventSelect.</summary>
    EventSelect,

    /// <summary>WSPEnumNetworkEvents.</summary>
    EnumNetworkEvents,

    /// <summary>WSPGetSockName.</summary>
    GetSockName,

    /// <summary>WSPGetPeerName.</summary>
    GetPeerName,

    /// <summary>WSPIoctl associating the socket with a completion port.</summary>
    AssociateCompletionPort,
}
