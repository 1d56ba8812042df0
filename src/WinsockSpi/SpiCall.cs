using System.Diagnostics.CodeAnalysis;

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

    /// <summary>WSPSelect.</summary>
    Select,

    /// <summary>WSPSendTo.</summary>
    SendTo,

    /// <summary>WSPRecvFrom.</summary>
    ReceiveFrom,

    /// <summary>WSPAsyncSelect.</summary>
    AsyncSelect,

    /// <summary>WSPIoctl through its general entry: SIO_GET_EXTENSION_FUNCTION_POINTER (the extension-function lookup), or FIONBIO given as a control code.</summary>
    Ioctl,

    /// <summary>WSPSetSockOpt with an integer option (SO_DONTLINGER, SO_ERROR, SO_RCVBUF, SO_SNDBUF, the context updates).</summary>
    SetSocketOption,

    /// <summary>WSPGetSockOpt of an integer option (SO_DONTLINGER, SO_TYPE, SO_ERROR, SO_RCVBUF, SO_SNDBUF).</summary>
    GetSocketOption,

    /// <summary>WSPGetSockOpt with SO_LINGER.</summary>
    GetLinger,

    /// <summary>SetFileCompletionNotificationModes on a socket handle.</summary>
    SetCompletionNotificationModes,

    /// <summary>WSPSend with an array of buffers (gather).</summary>
    SendBuffers,

    /// <summary>WSPRecv with an array of buffers and flags (scatter, MSG_PEEK).</summary>
    ReceiveBuffers,

    /// <summary>AcceptEx, the extension function WSPIoctl hands out (WSAID_ACCEPTEX).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    AcceptEx,

    /// <summary>ConnectEx, the extension function WSPIoctl hands out (WSAID_CONNECTEX).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    ConnectEx,

    /// <summary>DisconnectEx, the extension function WSPIoctl hands out (WSAID_DISCONNECTEX).</summary>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    DisconnectEx,

    /// <summary>WSPSendTo with an array of buffers (gather into one message).</summary>
    SendToBuffers,

    /// <summary>WSPRecvFrom with an array of buffers (one message scattered over them).</summary>
    ReceiveFromBuffers,
}
