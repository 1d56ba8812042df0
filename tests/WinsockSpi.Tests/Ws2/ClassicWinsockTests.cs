using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>
/// Classic Winsock test cases written again for the Ws2 layer, in the spirit of Wine's dlls/ws2_32/tests/sock.c and
/// ReactOS's ws2_32 apitests (which assert Windows' behaviour). Each reads almost like the C it comes from.
/// </summary>
public sealed class ClassicWinsockTests : IDisposable
{
    private readonly Ws2TestKit _kit = new();

    private Ws2Api Ws2 => _kit.Api;

    public void Dispose() => _kit.Dispose();

    /// <summary>Wine's test_WithoutWSAStartup.</summary>
    [Fact]
    [Trait("Rule", "WS2-3")]
    public void Classic_WithoutWSAStartup_WSASocketAndGethostbynameFailWithNotInitialised()
    {
        Ws2.WSASetLastError(unchecked((int)0xdeadbeef));
        Assert.Equal(INVALID_SOCKET, Ws2.WSASocket(0, 0, 0, null, 0, 0));
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());

        Ws2.WSASetLastError(unchecked((int)0xdeadbeef));
        Assert.Null(Ws2.gethostbyname("localhost"));
        Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
    }

    /// <summary>ReactOS's WSAStartup test, "upgrade the version": 1.1 then 2.2, then two cleanups.</summary>
    [Fact]
    [Trait("Rule", "WS2-1")]
    public void Classic_StartupNesting_Upgrade_LegacyFunctionsStayAvailableUntilTheFinalCleanup()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out var data));
        Assert.Equal(0, Ws2.WSAGetLastError());
        Assert.Equal(MAKEWORD(1, 1), data.wVersion);
        Assert.Equal(MAKEWORD(2, 2), data.wHighVersion);
        Assert.True(AreLegacyFunctionsSupported());

        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out data));
        Assert.Equal(MAKEWORD(2, 2), data.wVersion);
        Assert.True(AreLegacyFunctionsSupported());

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.True(IsWinsockInitialized());
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.False(IsWinsockInitialized());
    }

    /// <summary>ReactOS's WSAStartup test, "downgrade the version": 2.2 then 1.1.</summary>
    [Fact]
    [Trait("Rule", "WS2-1")]
    public void Classic_StartupNesting_Downgrade_LegacyFunctionsBecomeAvailable()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out var data));
        Assert.Equal(MAKEWORD(2, 2), data.wVersion);
        Assert.False(AreLegacyFunctionsSupported());

        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out data));
        Assert.Equal(MAKEWORD(1, 1), data.wVersion);
        Assert.True(AreLegacyFunctionsSupported());

        Assert.Equal(0, Ws2.WSACleanup());
        Assert.True(IsWinsockInitialized());
        Assert.Equal(0, Ws2.WSACleanup());
        Assert.False(IsWinsockInitialized());

        // A new session starts from scratch: 2.2 alone has no legacy functions.
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.False(AreLegacyFunctionsSupported());
    }

    /// <summary>ReactOS's WSAStartup test, the version loop: each version started and cleaned up on its own.</summary>
    [Fact]
    [Trait("Rule", "WS2-1")]
    public void Classic_EachVersionAlone_StartsAndCleansUp()
    {
        foreach (ushort version in new ushort[] { MAKEWORD(0, 0), MAKEWORD(0, 9), MAKEWORD(1, 0), MAKEWORD(1, 15), MAKEWORD(2, 0), MAKEWORD(3, 255), MAKEWORD(255, 255) })
        {
            Assert.False(IsWinsockInitialized());
            int error = Ws2.WSAStartup(version, out var data);
            Assert.Equal(MAKEWORD(2, 2), data.wHighVersion);
            if (error != 0)
            {
                Assert.Equal((int)WsaError.VersionNotSupported, error);
                Assert.Equal((byte)0, (byte)(version & 0xFF));
                Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
                Assert.False(IsWinsockInitialized());
                continue;
            }

            Assert.Equal(0, Ws2.WSAGetLastError());
            Assert.True(IsWinsockInitialized());
            Assert.Equal((version & 0xFF) < 2, AreLegacyFunctionsSupported());
            Assert.Equal(0, Ws2.WSACleanup());
        }
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void Classic_CloseSocketTwice_TheSecondCloseGivesNotSock()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = Ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        Assert.NotEqual(INVALID_SOCKET, s);

        Assert.Equal(0, Ws2.closesocket(s));
        Ws2.WSASetLastError(unchecked((int)0xdeadbeef));
        Assert.Equal(SOCKET_ERROR, Ws2.closesocket(s));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
    }

    /// <summary>Wine's test_WSADuplicateSocket, its invalid parameters.</summary>
    [Fact]
    public void Classic_WSADuplicateSocket_InvalidParameters()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint source = Ws2.WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, null, 0, 0);
        Assert.NotEqual(INVALID_SOCKET, source);

        Assert.Equal(SOCKET_ERROR, Ws2.WSADuplicateSocket(0, 0, out nuint dup));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
        Assert.Equal(INVALID_SOCKET, dup);
        Assert.Equal(SOCKET_ERROR, Ws2.WSADuplicateSocket(source, 0, out _));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.WSADuplicateSocket(source, ~0, out _));
        Assert.Equal((int)WsaError.InvalidArgument, Ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, Ws2.WSADuplicateSocket(0, _kit.Process.Id, out _));
        Assert.Equal((int)WsaError.NotSocket, Ws2.WSAGetLastError());
    }

    /// <summary>Wine's tcp_socketpair helper and a send/recv over the pair.</summary>
    [Fact]
    public void Classic_TcpSocketPair_SendAndRecv()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (src, dst) = Ws2TestKit.TcpSocketPair(Ws2);

        Assert.Equal(4, Ws2.send(src, "TEST"u8, 4, 0));
        var buffer = new byte[16];
        Assert.Equal(4, Ws2.recv(dst, buffer, buffer.Length, 0));
        Assert.Equal("TEST"u8.ToArray(), buffer[..4]);

        Assert.Equal(0, Ws2.closesocket(src));
        Assert.Equal(0, Ws2.recv(dst, buffer, buffer.Length, 0));
        Assert.Equal(0, Ws2.closesocket(dst));
        Assert.Equal(0, Ws2.WSACleanup());
    }

    /// <summary>ReactOS's IsWinsockInitialized: gethostbyname("localhost") works only while Winsock is started.</summary>
    private bool IsWinsockInitialized()
    {
        var host = Ws2.gethostbyname("localhost");
        if (host is null)
        {
            Assert.Equal((int)WsaError.NotInitialized, Ws2.WSAGetLastError());
        }

        return host is not null;
    }

    /// <summary>ReactOS's AreLegacyFunctionsSupported: WSACancelBlockingCall gives WSAEINVAL (1.1) or WSAEOPNOTSUPP (2.x).</summary>
    private bool AreLegacyFunctionsSupported()
    {
        Assert.Equal(SOCKET_ERROR, Ws2.WSACancelBlockingCall());
        int error = Ws2.WSAGetLastError();
        Assert.True(error is (int)WsaError.OperationNotSupported or (int)WsaError.InvalidArgument, $"WSAGetLastError = {error}");
        return error != (int)WsaError.OperationNotSupported;
    }
}
