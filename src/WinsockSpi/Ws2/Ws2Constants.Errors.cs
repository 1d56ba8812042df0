using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Ws2;

// The error codes of winsock2.h under their C names, for ported code that compares WSAGetLastError() with them. Each
// equals the WsaError member of the same code; WSAENOPROTOOPT and WSAHOST_NOT_FOUND are in Ws2Constants.cs.
[SuppressMessage("Naming", "CA1707", Justification = "The constants keep the names of winsock2.h.")]
public static partial class Ws2Constants
{
    /// <summary>WSA_INVALID_HANDLE (6): a specified event object handle is not valid; <see cref="WsaError.InvalidHandle"/>.</summary>
    public const int WSA_INVALID_HANDLE = (int)WsaError.InvalidHandle;

    /// <summary>WSA_NOT_ENOUGH_MEMORY (8): insufficient memory available; <see cref="WsaError.NotEnoughMemory"/>.</summary>
    public const int WSA_NOT_ENOUGH_MEMORY = (int)WsaError.NotEnoughMemory;

    /// <summary>WSA_INVALID_PARAMETER (87): one or more parameters are not valid; <see cref="WsaError.InvalidParameter"/>.</summary>
    public const int WSA_INVALID_PARAMETER = (int)WsaError.InvalidParameter;

    /// <summary>WSA_OPERATION_ABORTED (995): the overlapped operation was cancelled by a close or the final cleanup; <see cref="WsaError.OperationAborted"/>.</summary>
    public const int WSA_OPERATION_ABORTED = (int)WsaError.OperationAborted;

    /// <summary>WSA_IO_INCOMPLETE (996): the overlapped operation is not yet complete; <see cref="WsaError.IOIncomplete"/>.</summary>
    public const int WSA_IO_INCOMPLETE = (int)WsaError.IOIncomplete;

    /// <summary>WSA_IO_PENDING (997): the overlapped operation will complete later; <see cref="WsaError.IOPending"/>.</summary>
    public const int WSA_IO_PENDING = (int)WsaError.IOPending;

    /// <summary>WSAEINTR (10004): a blocking call was interrupted; <see cref="WsaError.Interrupted"/>.</summary>
    public const int WSAEINTR = (int)WsaError.Interrupted;

    /// <summary>WSAEBADF (10009): the file handle supplied is not valid; <see cref="WsaError.BadFileHandle"/>.</summary>
    public const int WSAEBADF = (int)WsaError.BadFileHandle;

    /// <summary>WSAEACCES (10013): permission denied; <see cref="WsaError.AccessDenied"/>.</summary>
    public const int WSAEACCES = (int)WsaError.AccessDenied;

    /// <summary>WSAEFAULT (10014): bad address; <see cref="WsaError.Fault"/>.</summary>
    public const int WSAEFAULT = (int)WsaError.Fault;

    /// <summary>WSAEINVAL (10022): invalid argument; <see cref="WsaError.InvalidArgument"/>.</summary>
    public const int WSAEINVAL = (int)WsaError.InvalidArgument;

    /// <summary>WSAEMFILE (10024): too many open sockets; <see cref="WsaError.TooManyOpenSockets"/>.</summary>
    public const int WSAEMFILE = (int)WsaError.TooManyOpenSockets;

    /// <summary>WSAEWOULDBLOCK (10035): the non-blocking operation cannot complete at once; <see cref="WsaError.WouldBlock"/>.</summary>
    public const int WSAEWOULDBLOCK = (int)WsaError.WouldBlock;

    /// <summary>WSAEINPROGRESS (10036): a blocking operation is in progress; <see cref="WsaError.InProgress"/>.</summary>
    public const int WSAEINPROGRESS = (int)WsaError.InProgress;

    /// <summary>WSAEALREADY (10037): the operation is already in progress; <see cref="WsaError.AlreadyInProgress"/>.</summary>
    public const int WSAEALREADY = (int)WsaError.AlreadyInProgress;

    /// <summary>WSAENOTSOCK (10038): the handle is not a live socket of this process; <see cref="WsaError.NotSocket"/>.</summary>
    public const int WSAENOTSOCK = (int)WsaError.NotSocket;

    /// <summary>WSAEDESTADDRREQ (10039): a destination address is required; <see cref="WsaError.DestinationAddressRequired"/>.</summary>
    public const int WSAEDESTADDRREQ = (int)WsaError.DestinationAddressRequired;

    /// <summary>WSAEMSGSIZE (10040): a datagram did not fit the buffer or the protocol; <see cref="WsaError.MessageSize"/>.</summary>
    public const int WSAEMSGSIZE = (int)WsaError.MessageSize;

    /// <summary>WSAEPROTONOSUPPORT (10043): the protocol is not supported; <see cref="WsaError.ProtocolNotSupported"/>.</summary>
    public const int WSAEPROTONOSUPPORT = (int)WsaError.ProtocolNotSupported;

    /// <summary>WSAESOCKTNOSUPPORT (10044): the socket type is not supported; <see cref="WsaError.SocketNotSupported"/>.</summary>
    public const int WSAESOCKTNOSUPPORT = (int)WsaError.SocketNotSupported;

    /// <summary>WSAEOPNOTSUPP (10045): the operation is not supported on this socket; <see cref="WsaError.OperationNotSupported"/>.</summary>
    public const int WSAEOPNOTSUPP = (int)WsaError.OperationNotSupported;

    /// <summary>WSAEAFNOSUPPORT (10047): the address family is not supported; <see cref="WsaError.AddressFamilyNotSupported"/>.</summary>
    public const int WSAEAFNOSUPPORT = (int)WsaError.AddressFamilyNotSupported;

    /// <summary>WSAEADDRINUSE (10048): the address is already in use; <see cref="WsaError.AddressAlreadyInUse"/>.</summary>
    public const int WSAEADDRINUSE = (int)WsaError.AddressAlreadyInUse;

    /// <summary>WSAEADDRNOTAVAIL (10049): the address is not valid in its context; <see cref="WsaError.AddressNotAvailable"/>.</summary>
    public const int WSAEADDRNOTAVAIL = (int)WsaError.AddressNotAvailable;

    /// <summary>WSAENETDOWN (10050): the network subsystem has failed; <see cref="WsaError.NetworkDown"/>.</summary>
    public const int WSAENETDOWN = (int)WsaError.NetworkDown;

    /// <summary>WSAENETRESET (10052): the connection broke while the operation was in progress; <see cref="WsaError.NetworkReset"/>.</summary>
    public const int WSAENETRESET = (int)WsaError.NetworkReset;

    /// <summary>WSAECONNABORTED (10053): the connection was aborted by the local side; <see cref="WsaError.ConnectionAborted"/>.</summary>
    public const int WSAECONNABORTED = (int)WsaError.ConnectionAborted;

    /// <summary>WSAECONNRESET (10054): the connection was reset by the peer; <see cref="WsaError.ConnectionReset"/>.</summary>
    public const int WSAECONNRESET = (int)WsaError.ConnectionReset;

    /// <summary>WSAENOBUFS (10055): no buffer space is available; <see cref="WsaError.NoBufferSpaceAvailable"/>.</summary>
    public const int WSAENOBUFS = (int)WsaError.NoBufferSpaceAvailable;

    /// <summary>WSAEISCONN (10056): the socket is already connected; <see cref="WsaError.IsConnected"/>.</summary>
    public const int WSAEISCONN = (int)WsaError.IsConnected;

    /// <summary>WSAENOTCONN (10057): the socket is not connected; <see cref="WsaError.NotConnected"/>.</summary>
    public const int WSAENOTCONN = (int)WsaError.NotConnected;

    /// <summary>WSAESHUTDOWN (10058): the socket has been shut down in that direction; <see cref="WsaError.Shutdown"/>.</summary>
    public const int WSAESHUTDOWN = (int)WsaError.Shutdown;

    /// <summary>WSAETIMEDOUT (10060): the connection timed out; <see cref="WsaError.TimedOut"/>.</summary>
    public const int WSAETIMEDOUT = (int)WsaError.TimedOut;

    /// <summary>WSAECONNREFUSED (10061): nothing listens at the remote endpoint; <see cref="WsaError.ConnectionRefused"/>.</summary>
    public const int WSAECONNREFUSED = (int)WsaError.ConnectionRefused;

    /// <summary>WSAEHOSTUNREACH (10065): no route to the remote host; <see cref="WsaError.HostUnreachable"/>.</summary>
    public const int WSAEHOSTUNREACH = (int)WsaError.HostUnreachable;

    /// <summary>WSAEPROCLIM (10067): the provider's limit on client processes is reached; <see cref="WsaError.ProcessLimit"/>.</summary>
    public const int WSAEPROCLIM = (int)WsaError.ProcessLimit;

    /// <summary>WSASYSNOTREADY (10091): the network subsystem is unavailable; <see cref="WsaError.SystemNotReady"/>.</summary>
    public const int WSASYSNOTREADY = (int)WsaError.SystemNotReady;

    /// <summary>WSAVERNOTSUPPORTED (10092): the requested version is not supported; <see cref="WsaError.VersionNotSupported"/>.</summary>
    public const int WSAVERNOTSUPPORTED = (int)WsaError.VersionNotSupported;

    /// <summary>WSANOTINITIALISED (10093): no successful startup is in effect; <see cref="WsaError.NotInitialized"/>.</summary>
    public const int WSANOTINITIALISED = (int)WsaError.NotInitialized;

    /// <summary>WSAEDISCON (10101): a graceful shutdown is in progress; <see cref="WsaError.Disconnecting"/>.</summary>
    public const int WSAEDISCON = (int)WsaError.Disconnecting;

    /// <summary>WSAECANCELLED (10103): the call was cancelled; <see cref="WsaError.Cancelled"/>.</summary>
    public const int WSAECANCELLED = (int)WsaError.Cancelled;

    /// <summary>WSAEINVALIDPROCTABLE (10104): the procedure call table is not valid; <see cref="WsaError.InvalidProcedureTable"/>.</summary>
    public const int WSAEINVALIDPROCTABLE = (int)WsaError.InvalidProcedureTable;

    /// <summary>WSAEINVALIDPROVIDER (10105): the service provider is not valid; <see cref="WsaError.InvalidProvider"/>.</summary>
    public const int WSAEINVALIDPROVIDER = (int)WsaError.InvalidProvider;

    /// <summary>WSAEPROVIDERFAILEDINIT (10106): the service provider failed to initialise; <see cref="WsaError.ProviderFailedInit"/>.</summary>
    public const int WSAEPROVIDERFAILEDINIT = (int)WsaError.ProviderFailedInit;

    /// <summary>WSASYSCALLFAILURE (10107): a system call failed; <see cref="WsaError.SystemCallFailure"/>.</summary>
    public const int WSASYSCALLFAILURE = (int)WsaError.SystemCallFailure;
}
