using System.Net;
using WinsockSpi;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

/// <summary>A package user's own code: a request/reply client that retries on a new connection when the server resets.</summary>
internal sealed class RetryingClient(Ws2Api api, EndPoint server, int attempts = 3)
{
    public int Connections { get; private set; }

    public byte[] Exchange(ReadOnlySpan<byte> request, int replyLength)
    {
        for (int attempt = 1; ; attempt++)
        {
            nuint s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
            Connections++;
            var reply = new byte[replyLength];
            int got = api.connect(s, server) == 0 && api.send(s, request, request.Length, 0) == request.Length
                ? api.recv(s, reply, replyLength, 0)
                : SOCKET_ERROR;
            int error = got == SOCKET_ERROR ? api.WSAGetLastError() : 0;
            api.closesocket(s);
            if (got == replyLength)
            {
                return reply;
            }

            if (error != WSAECONNRESET || attempt == attempts)
            {
                throw new WinsockException((WsaError)(error == 0 ? WSAECONNRESET : error));
            }
        }
    }
}
