using System.Diagnostics.CodeAnalysis;
using WinsockSpi.Operations;

namespace WinsockSpi.Ws2;

/// <summary>
/// The constants of winsock2.h that <see cref="Ws2Api"/> understands, under their C names: with
/// <c>using static WinsockSpi.Ws2.Ws2Constants;</c> a Winsock test ports almost line by line.
/// </summary>
/// <remarks>
/// Values are Windows' own; the address families, socket types and protocols equal the .NET enum values, and each
/// error code (WSAEINTR, WSAENOTSOCK, WSA_IO_PENDING, WSANOTINITIALISED, ...) equals the <see cref="WsaError"/> member of
/// the same code.
/// </remarks>
[SuppressMessage("Naming", "CA1707", Justification = "The constants keep the names of winsock2.h.")]
public static partial class Ws2Constants
{
    /// <summary>SOCKET_ERROR (-1): the return value of a failed call; the error is read with WSAGetLastError.</summary>
    public const int SOCKET_ERROR = Winsock.SocketError;

    /// <summary>INVALID_SOCKET (~0): the return value of a failed socket-creating call.</summary>
    public static readonly nuint INVALID_SOCKET = Winsock.InvalidSocket;

    /// <summary>AF_UNSPEC (0): any address family.</summary>
    public const int AF_UNSPEC = 0;

    /// <summary>AF_INET (2): IPv4.</summary>
    public const int AF_INET = 2;

    /// <summary>AF_INET6 (23): IPv6.</summary>
    public const int AF_INET6 = 23;

    /// <summary>SOCK_STREAM (1).</summary>
    public const int SOCK_STREAM = 1;

    /// <summary>SOCK_DGRAM (2).</summary>
    public const int SOCK_DGRAM = 2;

    /// <summary>IPPROTO_IP (0): as a protocol argument, any protocol of the type.</summary>
    public const int IPPROTO_IP = 0;

    /// <summary>IPPROTO_TCP (6).</summary>
    public const int IPPROTO_TCP = 6;

    /// <summary>IPPROTO_UDP (17).</summary>
    public const int IPPROTO_UDP = 17;

    /// <summary>FROM_PROTOCOL_INFO (-1): WSASocket takes the value from its protocol info argument.</summary>
    public const int FROM_PROTOCOL_INFO = -1;

    /// <summary>WSA_FLAG_OVERLAPPED (0x01). Every simulated socket accepts overlapped calls, so the flag changes nothing.</summary>
    public const uint WSA_FLAG_OVERLAPPED = 0x01;

    /// <summary>SOL_SOCKET (0xFFFF): the socket-level option level.</summary>
    public const int SOL_SOCKET = 0xFFFF;

    /// <summary>SO_LINGER (0x0080): the linger option, set with a <see cref="Sockets.LingerState"/>.</summary>
    public const int SO_LINGER = 0x0080;

    /// <summary>FIONBIO: ioctlsocket command that makes a socket non-blocking (argument non-zero) or blocking (0).</summary>
    public const int FIONBIO = unchecked((int)0x8004667E);

    /// <summary>SD_RECEIVE (0): shutdown receives.</summary>
    public const int SD_RECEIVE = 0;

    /// <summary>SD_SEND (1): shutdown sends.</summary>
    public const int SD_SEND = 1;

    /// <summary>SD_BOTH (2): shutdown both directions.</summary>
    public const int SD_BOTH = 2;

    /// <summary>FD_READ.</summary>
    public const NetworkEvents FD_READ = NetworkEvents.Read;

    /// <summary>FD_WRITE.</summary>
    public const NetworkEvents FD_WRITE = NetworkEvents.Write;

    /// <summary>FD_OOB.</summary>
    public const NetworkEvents FD_OOB = NetworkEvents.OutOfBand;

    /// <summary>FD_ACCEPT.</summary>
    public const NetworkEvents FD_ACCEPT = NetworkEvents.Accept;

    /// <summary>FD_CONNECT.</summary>
    public const NetworkEvents FD_CONNECT = NetworkEvents.Connect;

    /// <summary>FD_CLOSE.</summary>
    public const NetworkEvents FD_CLOSE = NetworkEvents.Close;

    /// <summary>WSAENOPROTOOPT (10042): an unknown option; <see cref="WsaError.ProtocolOption"/>.</summary>
    public const int WSAENOPROTOOPT = 10042;

    /// <summary>WSAHOST_NOT_FOUND (11001): no such host; <see cref="WsaError.HostNotFound"/>.</summary>
    public const int WSAHOST_NOT_FOUND = 11001;

    /// <summary>MAKEWORD(low, high): the version word, low byte major and high byte minor (ERR-3).</summary>
    /// <param name="low">The low byte: the major version.</param>
    /// <param name="high">The high byte: the minor version.</param>
    /// <returns>The word.</returns>
    public static ushort MAKEWORD(byte low, byte high) => Winsock.MakeWord(low, high);
}
