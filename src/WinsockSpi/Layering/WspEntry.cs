namespace WinsockSpi.Layering;

/// <summary>
/// The entries of a procedure table (WSPPROC_TABLE), one per member of <see cref="Provider.IWspProvider"/>, plus
/// the WSPStartup export. Used to name a missing entry (LSP-2) and the call a <see cref="ILayerInterceptor"/> sees.
/// </summary>
public enum WspEntry
{
    /// <summary>WSPStartup, the provider's exported entry point.</summary>
    Startup,

    /// <summary>lpWSPCleanup.</summary>
    Cleanup,

    /// <summary>lpWSPSocket.</summary>
    Socket,

    /// <summary>lpWSPDuplicateSocket (into the same process).</summary>
    DuplicateSocket,

    /// <summary>lpWSPCloseSocket.</summary>
    CloseSocket,

    /// <summary>lpWSPSetSockOpt with SO_LINGER / SO_DONTLINGER.</summary>
    SetLinger,

    /// <summary>lpWSPIoctl with FIONBIO.</summary>
    SetBlocking,

    /// <summary>lpWSPBind.</summary>
    Bind,

    /// <summary>lpWSPListen.</summary>
    Listen,

    /// <summary>lpWSPAccept.</summary>
    Accept,

    /// <summary>lpWSPConnect.</summary>
    Connect,

    /// <summary>lpWSPShutdown.</summary>
    Shutdown,

    /// <summary>lpWSPSend.</summary>
    Send,

    /// <summary>lpWSPRecv.</summary>
    Receive,

    /// <summary>lpWSPGetOverlappedResult.</summary>
    GetOverlappedResult,

    /// <summary>lpWSPCancelBlockingCall.</summary>
    CancelBlockingCall,

    /// <summary>lpWSPEventSelect.</summary>
    EventSelect,

    /// <summary>lpWSPEnumNetworkEvents.</summary>
    EnumNetworkEvents,

    /// <summary>lpWSPGetSockName.</summary>
    GetSockName,

    /// <summary>lpWSPGetPeerName.</summary>
    GetPeerName,

    /// <summary>lpWSPSelect.</summary>
    Select,

    /// <summary>lpWSPSendTo.</summary>
    SendTo,

    /// <summary>lpWSPRecvFrom.</summary>
    ReceiveFrom,

    /// <summary>lpWSPAsyncSelect.</summary>
    AsyncSelect,

    /// <summary>lpWSPIoctl (SIO_GET_EXTENSION_FUNCTION_POINTER, FIONBIO).</summary>
    Ioctl,

    /// <summary>lpWSPSetSockOpt with an integer value.</summary>
    SetSocketOption,

    /// <summary>lpWSPGetSockOpt of an integer option.</summary>
    GetSocketOption,

    /// <summary>lpWSPGetSockOpt with SO_LINGER.</summary>
    GetLinger,

    /// <summary>lpWSPSend with an array of buffers.</summary>
    SendBuffers,

    /// <summary>lpWSPRecv with an array of buffers and flags.</summary>
    ReceiveBuffers,

    /// <summary>lpWSPSendTo with an array of buffers.</summary>
    SendToBuffers,

    /// <summary>lpWSPRecvFrom with an array of buffers.</summary>
    ReceiveFromBuffers,
}
