using System.Net.Sockets;

namespace WinsockSpi;

/// <summary>
/// A Windows Sockets error code, with the exact numeric value Windows uses (SEMANTICS.md ERR-1).
/// </summary>
/// <remarks>
/// Member names follow <see cref="SocketError"/> wherever .NET has the code, so the two enums convert
/// losslessly by value (ERR-2); <see cref="WsaErrorExtensions.ToSymbol(WsaError)"/> gives the Winsock
/// symbol (<c>"WSAENOTSOCK"</c>) for logs and teaching output.
/// </remarks>
#pragma warning disable CA1008 // Success = 0 is the zero value; the name follows SocketError.
#pragma warning disable CA1027 // Not a flags enum.
public enum WsaError
#pragma warning restore CA1027
#pragma warning restore CA1008
{
    /// <summary>No error (0).</summary>
    Success = 0,

    /// <summary>WSA_INVALID_HANDLE (6): a specified event object handle is not valid.</summary>
    InvalidHandle = 6,

    /// <summary>WSA_NOT_ENOUGH_MEMORY (8): insufficient memory available.</summary>
    NotEnoughMemory = 8,

    /// <summary>ERROR_NETNAME_DELETED (64): the status a completion port reports for a connection reset by the peer.</summary>
    NetNameDeleted = 64,

    /// <summary>WSA_INVALID_PARAMETER (87): one or more parameters are not valid.</summary>
    InvalidParameter = 87,

    /// <summary>WSA_OPERATION_ABORTED (995): the overlapped operation was cancelled by a close or the final cleanup.</summary>
    OperationAborted = 995,

    /// <summary>WSA_IO_INCOMPLETE (996): the overlapped operation is not yet complete.</summary>
    IOIncomplete = 996,

    /// <summary>WSA_IO_PENDING (997): the overlapped operation will complete later.</summary>
    IOPending = 997,

    /// <summary>
    /// ERROR_CONNECTION_ABORTED (1236): the completion status Windows 10 and later give a receive pending on a connected
    /// socket that is closed (EXT-6, with <see cref="Provider.ProviderOptions.Windows10CloseStatus"/>).
    /// </summary>
    ConnectionAbortedLocally = 1236,

    /// <summary>WSAEINTR (10004): a blocking call was interrupted.</summary>
    Interrupted = 10004,

    /// <summary>WSAEBADF (10009): the file handle supplied is not valid.</summary>
    BadFileHandle = 10009,

    /// <summary>WSAEACCES (10013): permission denied.</summary>
    AccessDenied = 10013,

    /// <summary>WSAEFAULT (10014): bad address.</summary>
    Fault = 10014,

    /// <summary>WSAEINVAL (10022): invalid argument.</summary>
    InvalidArgument = 10022,

    /// <summary>WSAEMFILE (10024): too many open sockets.</summary>
    TooManyOpenSockets = 10024,

    /// <summary>WSAEWOULDBLOCK (10035): the non-blocking operation cannot complete at once.</summary>
    WouldBlock = 10035,

    /// <summary>WSAEINPROGRESS (10036): a blocking operation is in progress.</summary>
    InProgress = 10036,

    /// <summary>WSAEALREADY (10037): the operation is already in progress.</summary>
    AlreadyInProgress = 10037,

    /// <summary>WSAENOTSOCK (10038): the handle is not a live socket of this process.</summary>
    NotSocket = 10038,

    /// <summary>WSAEDESTADDRREQ (10039): a destination address is required.</summary>
    DestinationAddressRequired = 10039,

    /// <summary>WSAEMSGSIZE (10040): a datagram was larger than the buffer (the rest was discarded) or than the protocol allows.</summary>
    MessageSize = 10040,

    /// <summary>WSAENOPROTOOPT (10042): an unknown, invalid or unsupported socket option or level.</summary>
    ProtocolOption = 10042,

    /// <summary>WSAEPROTONOSUPPORT (10043): the protocol is not supported.</summary>
    ProtocolNotSupported = 10043,

    /// <summary>WSAESOCKTNOSUPPORT (10044): the socket type is not supported.</summary>
    SocketNotSupported = 10044,

    /// <summary>WSAEOPNOTSUPP (10045): the operation is not supported on this socket.</summary>
    OperationNotSupported = 10045,

    /// <summary>WSAEAFNOSUPPORT (10047): the address family is not supported.</summary>
    AddressFamilyNotSupported = 10047,

    /// <summary>WSAEADDRINUSE (10048): the address is already in use.</summary>
    AddressAlreadyInUse = 10048,

    /// <summary>WSAEADDRNOTAVAIL (10049): the address is not valid in its context.</summary>
    AddressNotAvailable = 10049,

    /// <summary>WSAENETDOWN (10050): the network subsystem has failed.</summary>
    NetworkDown = 10050,

    /// <summary>WSAENETRESET (10052): the connection broke while the operation was in progress.</summary>
    NetworkReset = 10052,

    /// <summary>WSAECONNABORTED (10053): the connection was aborted by the local side.</summary>
    ConnectionAborted = 10053,

    /// <summary>WSAECONNRESET (10054): the connection was reset by the peer.</summary>
    ConnectionReset = 10054,

    /// <summary>WSAENOBUFS (10055): no buffer space is available.</summary>
    NoBufferSpaceAvailable = 10055,

    /// <summary>WSAEISCONN (10056): the socket is already connected.</summary>
    IsConnected = 10056,

    /// <summary>WSAENOTCONN (10057): the socket is not connected.</summary>
    NotConnected = 10057,

    /// <summary>WSAESHUTDOWN (10058): the socket has been shut down in that direction.</summary>
    Shutdown = 10058,

    /// <summary>WSAETIMEDOUT (10060): the connection timed out.</summary>
    TimedOut = 10060,

    /// <summary>WSAECONNREFUSED (10061): nothing listens at the remote endpoint.</summary>
    ConnectionRefused = 10061,

    /// <summary>WSAEHOSTUNREACH (10065): no route to the remote host.</summary>
    HostUnreachable = 10065,

    /// <summary>WSAEPROCLIM (10067): the provider's limit on client processes is reached.</summary>
    ProcessLimit = 10067,

    /// <summary>WSASYSNOTREADY (10091): the network subsystem is unavailable.</summary>
    SystemNotReady = 10091,

    /// <summary>WSAVERNOTSUPPORTED (10092): the requested version is not supported.</summary>
    VersionNotSupported = 10092,

    /// <summary>WSANOTINITIALISED (10093): no successful startup is in effect.</summary>
    NotInitialized = 10093,

    /// <summary>WSAEDISCON (10101): a graceful shutdown is in progress.</summary>
    Disconnecting = 10101,

    /// <summary>WSAECANCELLED (10103): the call was cancelled.</summary>
    Cancelled = 10103,

    /// <summary>WSAEINVALIDPROCTABLE (10104): the procedure call table is not valid.</summary>
    InvalidProcedureTable = 10104,

    /// <summary>WSAEINVALIDPROVIDER (10105): the service provider is not valid.</summary>
    InvalidProvider = 10105,

    /// <summary>WSAEPROVIDERFAILEDINIT (10106): the service provider failed to initialise.</summary>
    ProviderFailedInit = 10106,

    /// <summary>WSASYSCALLFAILURE (10107): a system call failed.</summary>
    SystemCallFailure = 10107,

    /// <summary>WSAHOST_NOT_FOUND (11001): no such host is known.</summary>
    HostNotFound = 11001,
}
