using System.Net;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Ws2;
using WinsockSpi.Ws2;
using static WinsockSpi.Tests.TestKit.TestThreads;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// SEMANTICS section 11, ASY-4: the asynchronous requests of the Ws2 layer (WSAAsyncGetHostByName, WSAAsyncGetHostByAddr,
/// WSACancelAsyncRequest), and WSAAsyncSelect at that layer. Requests complete on a fake clock, so the test decides when.
/// </summary>
public sealed class AsyncRequestConformanceTests : IDisposable
{
    private const int WmHost = 0x0402;
    private const int WmSocket = 0x0401;

    /// <summary>The length of the "localhost" entry with one address: 32 + 10 + 8 + (8 + 4) + 8.</summary>
    private const int LocalhostLength = 70;

    private static readonly TimeSpan s_delay = TimeSpan.FromMilliseconds(5);

    private readonly SimulatedProcess _process;
    private readonly FakeTimeProvider _time = new();
    private readonly Ws2Api _ws2;
    private readonly SimulatedWindow _window;

    public AsyncRequestConformanceTests()
    {
        _process = new SimulatedProcess(new SimulatedNetwork());
        _ws2 = new Ws2Api(new Ws2ApiOptions { Process = _process, TimeProvider = _time, AsyncRequestDelay = s_delay });
        _window = new SimulatedWindow(_process);
    }

    public void Dispose()
    {
        _ws2.Dispose();
        _process.Terminate();
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_GetHostByName_ReturnsATaskHandle_ThenPostsOneMessageWithLengthAndNoError()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var buffer = new HostEntBuffer();

        nint task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT);

        Assert.NotEqual(0, task);
        Assert.Equal(0, _window.MessageCount);
        Assert.Null(buffer.HostEntry);
        Assert.Equal(1, _ws2.PendingAsyncRequestCount);

        _time.Advance(s_delay);

        Assert.Equal([new WindowMessage(WmHost, (nuint)task, WSAMAKEASYNCREPLY(LocalhostLength, 0))], _window.Messages);
        Assert.Equal(LocalhostLength, WSAGETASYNCBUFLEN(_window.Messages[0].LParam));
        Assert.Equal(0, WSAGETASYNCERROR(_window.Messages[0].LParam));
        Assert.Equal("localhost", buffer.HostEntry!.HostName);
        Assert.Equal([IPAddress.Loopback], buffer.HostEntry.AddressList);
        Assert.Equal(LocalhostLength, buffer.Length);
        Assert.Equal(0, _ws2.PendingAsyncRequestCount);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _window.MessageCount); // one message, once
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_UnknownName_PostsHostNotFound_AndLeavesTheBufferEmpty()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var buffer = new HostEntBuffer();
        nint task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "no.such.host", buffer, MAXGETHOSTSTRUCT);

        _time.Advance(s_delay);

        var message = Assert.Single(_window.Messages);
        Assert.Equal((nuint)task, message.WParam);
        Assert.Equal(WsaError.HostNotFound, message.AsyncError());
        Assert.Equal(0, message.AsyncBufferLength());
        Assert.Null(buffer.HostEntry);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_BufferTooSmall_PostsNoBufs_WithTheLengthItNeeds()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var buffer = new HostEntBuffer();
        _ws2.WSAAsyncGetHostByName(_window, WmHost, "127.0.0.1", buffer, 16);

        _time.Advance(s_delay);

        var message = Assert.Single(_window.Messages);
        Assert.Equal(WSAENOBUFS, WSAGETASYNCERROR(message.LParam));
        Assert.Equal(HostEntBuffer.SizeOf(new IPHostEntry { HostName = "127.0.0.1", Aliases = [], AddressList = [IPAddress.Loopback] }), message.AsyncBufferLength());
        Assert.Null(buffer.HostEntry);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_GetHostByAddr_KnowsTheLoopback_AndNothingElse()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var loopback = new HostEntBuffer();
        var other = new HostEntBuffer();
        nint first = _ws2.WSAAsyncGetHostByAddr(_window, WmHost, [127, 0, 0, 1], 4, AF_INET, loopback, MAXGETHOSTSTRUCT);
        nint second = _ws2.WSAAsyncGetHostByAddr(_window, WmHost, [10, 1, 2, 3], 4, AF_INET, other, MAXGETHOSTSTRUCT);
        Assert.NotEqual(first, second);

        _time.Advance(s_delay);

        Assert.Equal(
            [(first, WsaError.Success, LocalhostLength), (second, WsaError.HostNotFound, 0)],
            _window.Messages.Select(m => ((nint)m.WParam, m.AsyncError(), m.AsyncBufferLength())));
        Assert.Equal("localhost", loopback.HostEntry!.HostName);
        Assert.Null(other.HostEntry);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_BadArguments_FailAtOnce_WithNoTaskAndNoMessage()
    {
        var buffer = new HostEntBuffer();
        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSANOTINITIALISED, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var destroyed = new SimulatedWindow(_process);
        destroyed.Destroy();

        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(null, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(destroyed, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(AsyncSelectConformanceTests.WindowOfEndedThread(_process), WmHost, "localhost", buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(_window, WmHost, null, buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEFAULT, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", null, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEFAULT, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByAddr(_window, WmHost, [127, 0, 0, 1], 4, AF_INET6, buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEAFNOSUPPORT, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAAsyncGetHostByAddr(_window, WmHost, [127, 0, 0], 3, AF_INET, buffer, MAXGETHOSTSTRUCT));
        Assert.Equal(WSAEFAULT, _ws2.WSAGetLastError());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _window.MessageCount);
        Assert.Equal(0, _ws2.PendingAsyncRequestCount);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_CancelBeforeCompletion_PostsNothing_AndASecondCancelGivesInvalidArgument()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var buffer = new HostEntBuffer();
        nint task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT);

        Assert.Equal(0, _ws2.WSACancelAsyncRequest(task));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, _window.MessageCount);
        Assert.Null(buffer.HostEntry);
        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(task));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_CancelOfACompletedOrUnknownHandle_GivesInvalidArgument()
    {
        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(1));
        Assert.Equal(WSANOTINITIALISED, _ws2.WSAGetLastError());
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nint task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT);
        _time.Advance(s_delay);

        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(task));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(0x7777));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(1, _window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    [Trait("Rule", "CLN-4")]
    public void ASY4_FinalWSACleanup_CancelsEveryRequestWithoutAMessage()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var buffer = new HostEntBuffer();
        nint first = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT);
        nint second = _ws2.WSAAsyncGetHostByAddr(_window, WmHost, [127, 0, 0, 1], 4, AF_INET, buffer, MAXGETHOSTSTRUCT);
        Assert.Equal(2, _ws2.PendingAsyncRequestCount);

        Assert.Equal(0, _ws2.WSACleanup());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, _window.MessageCount);
        Assert.Null(buffer.HostEntry);
        Assert.Equal(0, _ws2.PendingAsyncRequestCount);
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(first));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, _ws2.WSACancelAsyncRequest(second));
        nint next = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", buffer, MAXGETHOSTSTRUCT);
        Assert.NotEqual(first, next);
        Assert.NotEqual(second, next);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    [Trait("Rule", "CLN-3")]
    public void ASY4_NonFinalWSACleanup_LeavesTheRequests()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT);

        Assert.Equal(0, _ws2.WSACleanup());
        _time.Advance(s_delay);

        Assert.Equal(1, _window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    [Trait("Rule", "PRC-2")]
    public void ASY4_ProcessDeath_PostsNoMessage()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT);

        _process.Terminate();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, _window.MessageCount);
        Assert.Equal(0, _window.PostedCount);
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    [Trait("Rule", "NSP-1")]
    public void ASY4_ARequestStartsTheNamespaceProviders_AsALookupDoes()
    {
        var id = Guid.NewGuid();
        var nsp = new FakeNamespaceProvider(id);
        using var process = new SimulatedProcess();
        var catalog = ProviderCatalog.CreateDefault();
        catalog.AddNamespace(new NamespaceCatalogEntry("fake", [id], _ => nsp));
        using var ws2 = new Ws2Api(new Ws2ApiOptions { Process = process, Catalog = catalog, TimeProvider = _time });
        var window = new SimulatedWindow(process);
        Assert.Equal(0, ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.NotEqual(0, ws2.WSAAsyncGetHostByName(window, WmHost, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT));

        Assert.Equal(1, nsp.Count(id));
        _time.Advance(Ws2Api.DefaultAsyncRequestDelay);
        Assert.Equal(WsaError.Success, Assert.Single(window.Messages).AsyncError());
        Assert.Equal(0, ws2.WSACleanup());
        Assert.Equal(0, nsp.Count(id));
    }

    [Fact]
    [Trait("Rule", "ASY-4")]
    public void ASY4_CancelRacingCompletion_EndsEachRequestExactlyOnce()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        int cancelled = 0;
        const int Rounds = 200;
        for (int i = 0; i < Rounds; i++)
        {
            nint task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", new HostEntBuffer(), MAXGETHOSTSTRUCT);
            using var go = new Barrier(2);
            var canceller = Start(() =>
            {
                Meet(go);
                return _ws2.WSACancelAsyncRequest(task);
            });
            Meet(go);
            _time.Advance(s_delay);
            cancelled += Join(canceller) == 0 ? 1 : 0;
        }

        Assert.Equal(Rounds, cancelled + _window.MessageCount);
        Assert.Equal(0, _ws2.PendingAsyncRequestCount);
        Assert.Equal(_window.MessageCount, _window.Messages.Select(m => m.WParam).Distinct().Count());
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    [Trait("Rule", "ASY-3")]
    public void ASY1_WSAAsyncSelect_PostsNetworkEvents_UntilTheFinalWSACleanup()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (src, dst) = Ws2TestKit.TcpSocketPair(_ws2);

        Assert.Equal(0, _ws2.WSAAsyncSelect(dst, _window, WmSocket, FD_READ | FD_CLOSE));
        Assert.Equal(4, _ws2.send(src, "ping"u8, 4, 0));

        var message = Assert.Single(_window.Messages);
        Assert.Equal(dst, message.WParam);
        Assert.Equal(FD_READ, WSAGETSELECTEVENT(message.LParam));
        Assert.Equal(0, WSAGETSELECTERROR(message.LParam));
        Assert.Equal(WSAMAKESELECTREPLY(FD_READ, 0), message.LParam);
        uint blocking = 0;
        Assert.Equal(SOCKET_ERROR, _ws2.ioctlsocket(dst, FIONBIO, ref blocking));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());

        Assert.Equal(0, _ws2.WSACleanup());
        Assert.Equal(1, _window.MessageCount);
        Assert.Equal(SOCKET_ERROR, _ws2.WSAAsyncSelect(dst, _window, WmSocket, FD_READ));
        Assert.Equal(WSANOTINITIALISED, _ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_WSAAsyncSelect_ToAWindowWhoseThreadEnded_GivesInvalidArgument()
    {
        Assert.Equal(0, _ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = _ws2.socket(AF_INET, SOCK_STREAM, 0);

        Assert.Equal(SOCKET_ERROR, _ws2.WSAAsyncSelect(s, AsyncSelectConformanceTests.WindowOfEndedThread(_process), WmSocket, FD_READ));
        Assert.Equal(WSAEINVAL, _ws2.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, _ws2.WSAAsyncSelect(0x7777, _window, WmSocket, FD_READ));
        Assert.Equal(WSAENOTSOCK, _ws2.WSAGetLastError());
    }
}
