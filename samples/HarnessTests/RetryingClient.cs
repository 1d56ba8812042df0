using System.Net;
using WinsockSpi;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace HarnessTests;

/// <summary>
/// The code under test: a small request/reply client written against the Winsock API, as an application would be.
/// It retries an exchange on a new connection when the server resets the connection, can keep a receive pending for
/// notifications, and closes with a linger timeout.
/// </summary>
/// <param name="api">The Winsock API of the client's process (WSAStartup already called).</param>
/// <param name="server">The server's address.</param>
/// <param name="attempts">How many connections one exchange may use.</param>
public sealed class RetryingClient(Ws2Api api, EndPoint server, int attempts = 3)
{
    private nuint _socket = INVALID_SOCKET;

    /// <summary>Gets how many connections the client has made.</summary>
    public int Connections { get; private set; }

    /// <summary>Sends <paramref name="request"/> and reads a reply of <paramref name="replyLength"/> bytes, retrying on reset.</summary>
    /// <param name="request">The request.</param>
    /// <param name="replyLength">The reply's length.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="WinsockException">Every attempt was reset (WSAECONNRESET), or another call failed.</exception>
    public byte[] Exchange(ReadOnlySpan<byte> request, int replyLength)
    {
        for (int attempt = 1; ; attempt++)
        {
            EnsureConnected();
            int error = TryExchange(request, replyLength, out var reply);
            if (error == 0)
            {
                return reply;
            }

            Abandon();
            if (error != WSAECONNRESET || attempt == attempts)
            {
                throw new WinsockException((WsaError)error);
            }
        }
    }

    /// <summary>Starts an overlapped receive for the server's next message; <paramref name="done"/> is set when it ends.</summary>
    /// <param name="done">The event of the receive.</param>
    /// <returns>The pending receive.</returns>
    /// <exception cref="WinsockException">The receive failed at once.</exception>
    public WsaOverlapped ListenForPush(WsaEvent done)
    {
        EnsureConnected();
        var overlapped = new WsaOverlapped(done);
        int received = 0, flags = 0;
        if (api.WSARecv(_socket, new byte[256], ref received, ref flags, overlapped, null) == SOCKET_ERROR && api.WSAGetLastError() != WSA_IO_PENDING)
        {
            throw new WinsockException((WsaError)api.WSAGetLastError());
        }

        return overlapped;
    }

    /// <summary>Sends a last message and closes, lingering at most <paramref name="lingerSeconds"/> for the server to take it.</summary>
    /// <param name="farewell">The last message.</param>
    /// <param name="lingerSeconds">The linger timeout (SO_LINGER {1, t}).</param>
    /// <returns>What closesocket returned.</returns>
    public int SayGoodbye(ReadOnlySpan<byte> farewell, int lingerSeconds)
    {
        EnsureConnected();
        api.send(_socket, farewell, farewell.Length, 0);
        api.setsockopt(_socket, SOL_SOCKET, SO_LINGER, new LingerState(true, lingerSeconds));
        int result = api.closesocket(_socket);
        _socket = INVALID_SOCKET;
        return result;
    }

    /// <summary>Ends the client's use of Winsock: the final WSACleanup, with whatever is still pending.</summary>
    /// <returns>What WSACleanup returned.</returns>
    public int Shutdown() => api.WSACleanup();

    /// <summary>Connects, unless the client already has a connection.</summary>
    /// <exception cref="WinsockException">The socket or the connect failed.</exception>
    public void EnsureConnected()
    {
        if (_socket != INVALID_SOCKET)
        {
            return;
        }

        _socket = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Connections++;
        if (_socket == INVALID_SOCKET || api.connect(_socket, server) == SOCKET_ERROR)
        {
            throw new WinsockException((WsaError)api.WSAGetLastError());
        }
    }

    private int TryExchange(ReadOnlySpan<byte> request, int replyLength, out byte[] reply)
    {
        reply = new byte[replyLength];
        if (api.send(_socket, request, request.Length, 0) == SOCKET_ERROR)
        {
            return api.WSAGetLastError();
        }

        for (int at = 0; at < replyLength;)
        {
            int n = api.recv(_socket, reply.AsSpan(at), replyLength - at, 0);
            if (n == SOCKET_ERROR)
            {
                return api.WSAGetLastError();
            }

            if (n == 0)
            {
                return WSAECONNRESET; // closed before the whole reply: treated as a reset, the exchange is retried
            }

            at += n;
        }

        return 0;
    }

    private void Abandon()
    {
        api.closesocket(_socket);
        _socket = INVALID_SOCKET;
    }
}
