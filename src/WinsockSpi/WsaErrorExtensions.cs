using System.Net.Sockets;

namespace WinsockSpi;

/// <summary>Conversions and display helpers for <see cref="WsaError"/> (SEMANTICS.md ERR-1, ERR-2).</summary>
public static class WsaErrorExtensions
{
    /// <summary>
    /// Gives the Winsock symbol of an error code, such as <c>"WSAENOTSOCK"</c> for
    /// <see cref="WsaError.NotSocket"/>; an undefined value is shown as its decimal number.
    /// </summary>
    /// <param name="error">The error code.</param>
    /// <returns>The symbol as the Winsock headers spell it.</returns>
    /// <remarks>Thread-safe; does not allocate for defined codes.</remarks>
    public static string ToSymbol(this WsaError error) => error switch
    {
        WsaError.Success => "NO_ERROR",
        WsaError.InvalidHandle => "WSA_INVALID_HANDLE",
        WsaError.NotEnoughMemory => "WSA_NOT_ENOUGH_MEMORY",
        WsaError.NetNameDeleted => "ERROR_NETNAME_DELETED",
        WsaError.InvalidParameter => "WSA_INVALID_PARAMETER",
        WsaError.OperationAborted => "WSA_OPERATION_ABORTED",
        WsaError.IOIncomplete => "WSA_IO_INCOMPLETE",
        WsaError.IOPending => "WSA_IO_PENDING",
        WsaError.ConnectionAbortedLocally => "ERROR_CONNECTION_ABORTED",
        WsaError.Interrupted => "WSAEINTR",
        WsaError.BadFileHandle => "WSAEBADF",
        WsaError.AccessDenied => "WSAEACCES",
        WsaError.Fault => "WSAEFAULT",
        WsaError.InvalidArgument => "WSAEINVAL",
        WsaError.TooManyOpenSockets => "WSAEMFILE",
        WsaError.WouldBlock => "WSAEWOULDBLOCK",
        WsaError.InProgress => "WSAEINPROGRESS",
        WsaError.AlreadyInProgress => "WSAEALREADY",
        WsaError.NotSocket => "WSAENOTSOCK",
        WsaError.DestinationAddressRequired => "WSAEDESTADDRREQ",
        WsaError.MessageSize => "WSAEMSGSIZE",
        WsaError.ProtocolOption => "WSAENOPROTOOPT",
        WsaError.ProtocolNotSupported => "WSAEPROTONOSUPPORT",
        WsaError.SocketNotSupported => "WSAESOCKTNOSUPPORT",
        WsaError.OperationNotSupported => "WSAEOPNOTSUPP",
        WsaError.AddressFamilyNotSupported => "WSAEAFNOSUPPORT",
        WsaError.AddressAlreadyInUse => "WSAEADDRINUSE",
        WsaError.AddressNotAvailable => "WSAEADDRNOTAVAIL",
        WsaError.NetworkDown => "WSAENETDOWN",
        WsaError.NetworkReset => "WSAENETRESET",
        WsaError.ConnectionAborted => "WSAECONNABORTED",
        WsaError.ConnectionReset => "WSAECONNRESET",
        WsaError.NoBufferSpaceAvailable => "WSAENOBUFS",
        WsaError.IsConnected => "WSAEISCONN",
        WsaError.NotConnected => "WSAENOTCONN",
        WsaError.Shutdown => "WSAESHUTDOWN",
        WsaError.TimedOut => "WSAETIMEDOUT",
        WsaError.ConnectionRefused => "WSAECONNREFUSED",
        WsaError.HostUnreachable => "WSAEHOSTUNREACH",
        WsaError.ProcessLimit => "WSAEPROCLIM",
        WsaError.SystemNotReady => "WSASYSNOTREADY",
        WsaError.VersionNotSupported => "WSAVERNOTSUPPORTED",
        WsaError.NotInitialized => "WSANOTINITIALISED",
        WsaError.Disconnecting => "WSAEDISCON",
        WsaError.Cancelled => "WSAECANCELLED",
        WsaError.InvalidProcedureTable => "WSAEINVALIDPROCTABLE",
        WsaError.InvalidProvider => "WSAEINVALIDPROVIDER",
        WsaError.ProviderFailedInit => "WSAEPROVIDERFAILEDINIT",
        WsaError.SystemCallFailure => "WSASYSCALLFAILURE",
        WsaError.HostNotFound => "WSAHOST_NOT_FOUND",
        _ => ((int)error).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Converts to <see cref="SocketError"/> when .NET defines the same numeric code (ERR-2).
    /// </summary>
    /// <param name="error">The error code.</param>
    /// <returns>The <see cref="SocketError"/> with the same value, or <see langword="null"/> when .NET has none.</returns>
    public static SocketError? ToSocketError(this WsaError error)
    {
        var candidate = (SocketError)(int)error;
        return Enum.IsDefined(candidate) ? candidate : null;
    }

    /// <summary>
    /// Converts a <see cref="SocketError"/> to the <see cref="WsaError"/> with the same numeric value (ERR-2).
    /// </summary>
    /// <param name="error">The .NET socket error.</param>
    /// <returns>The same code as a <see cref="WsaError"/>; <see cref="SocketError.SocketError"/> (-1) has no Winsock code.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="error"/> is <see cref="SocketError.SocketError"/>, which is the SOCKET_ERROR return value rather than an error code.</exception>
    public static WsaError ToWsaError(this SocketError error)
    {
        ArgumentOutOfRangeException.ThrowIfEqual(error, SocketError.SocketError);
        return (WsaError)(int)error;
    }

    /// <summary>Gets whether the code is one of the values listed in SEMANTICS.md ERR-1 or otherwise defined by <see cref="WsaError"/>.</summary>
    /// <param name="error">The error code.</param>
    /// <returns><see langword="true"/> when the value is a named member of <see cref="WsaError"/>.</returns>
    public static bool IsDefined(this WsaError error) => Enum.IsDefined(error);
}
