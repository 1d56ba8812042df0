using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

// The constants of the extension functions, socket options, flags and completion modes (mswsock.h, winsock2.h, winbase.h).
public static partial class Ws2Constants
{
    /// <summary>MSG_PEEK (0x2): a stream receive copies the waiting data without consuming it (EXT-5).</summary>
    public const int MSG_PEEK = 0x2;

    /// <summary>SO_DONTLINGER (~SO_LINGER): a BOOL; TRUE turns lingering off.</summary>
    public const int SO_DONTLINGER = ~SO_LINGER;

    /// <summary>SO_SNDBUF (0x1001): the send buffer size.</summary>
    public const int SO_SNDBUF = 0x1001;

    /// <summary>SO_RCVBUF (0x1002): the receive buffer size.</summary>
    public const int SO_RCVBUF = 0x1002;

    /// <summary>SO_ERROR (0x1007): the socket's error code.</summary>
    public const int SO_ERROR = 0x1007;

    /// <summary>SO_TYPE (0x1008): the socket type (read-only).</summary>
    public const int SO_TYPE = 0x1008;

    /// <summary>SO_UPDATE_ACCEPT_CONTEXT (0x700B): after AcceptEx, the value is the listening SOCKET.</summary>
    public const int SO_UPDATE_ACCEPT_CONTEXT = 0x700B;

    /// <summary>SO_UPDATE_CONNECT_CONTEXT (0x7010): after ConnectEx.</summary>
    public const int SO_UPDATE_CONNECT_CONTEXT = 0x7010;

    /// <summary>SIO_GET_EXTENSION_FUNCTION_POINTER (0xC8000006).</summary>
    public const uint SIO_GET_EXTENSION_FUNCTION_POINTER = ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER;

    /// <summary>TF_REUSE_SOCKET (0x02): DisconnectEx leaves the socket reusable.</summary>
    public const int TF_REUSE_SOCKET = ExtensionFunctions.TF_REUSE_SOCKET;

    /// <summary>FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (0x1), for <see cref="Ws2Api.SetFileCompletionNotificationModes"/>.</summary>
    public const byte FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;

    /// <summary>FILE_SKIP_SET_EVENT_ON_HANDLE (0x2), for <see cref="Ws2Api.SetFileCompletionNotificationModes"/>.</summary>
    public const byte FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;

    /// <summary>ERROR_CONNECTION_ABORTED (1236): the status of a receive aborted by a close on Windows 10 and later (EXT-6).</summary>
    public const int ERROR_CONNECTION_ABORTED = 1236;

    /// <summary>ERROR_NETNAME_DELETED (64): the port status of an operation failed by a reset (OVL-8).</summary>
    public const int ERROR_NETNAME_DELETED = 64;

    /// <summary>Gets WSAID_ACCEPTEX.</summary>
    public static Guid WSAID_ACCEPTEX => ExtensionFunctions.WSAID_ACCEPTEX;

    /// <summary>Gets WSAID_CONNECTEX.</summary>
    public static Guid WSAID_CONNECTEX => ExtensionFunctions.WSAID_CONNECTEX;

    /// <summary>Gets WSAID_DISCONNECTEX.</summary>
    public static Guid WSAID_DISCONNECTEX => ExtensionFunctions.WSAID_DISCONNECTEX;

    /// <summary>Gets WSAID_GETACCEPTEXSOCKADDRS.</summary>
    public static Guid WSAID_GETACCEPTEXSOCKADDRS => ExtensionFunctions.WSAID_GETACCEPTEXSOCKADDRS;
}
