using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

/// <summary>select and the fd_set macros of the Ws2 layer (SLT-1..3 through ws2_32's shape).</summary>
public sealed class Ws2SelectTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Ws2TestKit _kit;

    public Ws2SelectTests() => _kit = new Ws2TestKit(o => o.TimeProvider = _time, withSecondProvider: true);

    private Ws2Api Ws2 => _kit.Api;

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void FdSetMacros_ReadLikeC_NoDuplicates_CapacityIsFdSetSize_ExtraEntriesIgnored()
    {
        var set = new FdSet();
        Assert.Equal(64, FD_SETSIZE);
        Assert.Equal(FD_SETSIZE, set.Capacity);

        FD_SET(4, set);
        FD_SET(8, set);
        FD_SET(4, set);
        FD_SET(12, set);
        Assert.Equal(3, set.fd_count);
        Assert.Equal((nuint)8, set[1]);
        Assert.True(FD_ISSET(8, set));

        FD_CLR(8, set);
        Assert.False(FD_ISSET(8, set));
        Assert.Equal(new nuint[] { 4, 12 }, new[] { set[0], set[1] });

        FD_ZERO(set);
        Assert.Equal(0, set.fd_count);

        var small = new FdSet(2);
        FD_SET(1, small);
        FD_SET(2, small);
        FD_SET(3, small); // full: ignored, as the C macro ignores it
        Assert.Equal(2, small.fd_count);
        Assert.False(FD_ISSET(3, small));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FdSet(0));
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void Select_LeavesOnlyTheReadyEntries_AndFdIsSetReportsThem()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (a, aPeer) = Ws2TestKit.TcpSocketPair(Ws2);
        var (b, _) = Ws2TestKit.TcpSocketPair(Ws2);
        Assert.Equal(4, Ws2.send(aPeer, "ping"u8, 4, 0));
        var readfds = new FdSet();
        var writefds = new FdSet();
        FD_SET(a, readfds);
        FD_SET(b, readfds);
        FD_SET(b, writefds);

        int n = Ws2.select(0, readfds, writefds, null, new TimeVal(0, 0));

        Assert.Equal(2, n);
        Assert.True(FD_ISSET(a, readfds));
        Assert.False(FD_ISSET(b, readfds));
        Assert.True(FD_ISSET(b, writefds));
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void Select_TimevalTimeout_IsMeasuredByTheProvidersClock_AndReturnsZero()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (a, _) = Ws2TestKit.TcpSocketPair(Ws2);
        var readfds = new FdSet();
        FD_SET(a, readfds);
        Assert.True(Ws2.TryGetProvider(a, out var provider));
        var runtime = ((CountingProvider)provider).Inner;

        var selector = TestThreads.StartBlocked(runtime, () => Ws2.select(0, readfds, null, null, new TimeVal(2, 500_000)));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(selector.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, TestThreads.Join(selector));
        Assert.Equal(0, readfds.fd_count);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "CLN-5")]
    public void Select_TheFinalWsaCleanupFromAnotherThread_EndsAWaitingSelectWithInterrupted()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        var (a, _) = Ws2TestKit.TcpSocketPair(Ws2);
        var readfds = new FdSet();
        FD_SET(a, readfds);
        Assert.True(Ws2.TryGetProvider(a, out var provider));
        var runtime = ((CountingProvider)provider).Inner;
        int error = 0;
        var selector = TestThreads.StartBlocked(runtime, () =>
        {
            int rc = Ws2.select(0, readfds, null, null, null);
            error = Ws2.WSAGetLastError();
            return rc;
        });

        Assert.Equal(0, Ws2.WSACleanup());

        Assert.Equal(SOCKET_ERROR, TestThreads.Join(selector));
        Assert.Equal(WSAEINTR, error);
        Assert.True(FD_ISSET(a, readfds)); // unchanged on failure
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "BLK-3")]
    public void Select_WsaCancelBlockingCallFromTheHook_UnderWinsock11_EndsItWithInterrupted()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(1, 1), out _));
        var (a, _) = Ws2TestKit.TcpSocketPair(Ws2);
        var readfds = new FdSet();
        FD_SET(a, readfds);
        int cancel = 99;
        Ws2.Upcalls.BlockingHook = () =>
        {
            cancel = Ws2.WSACancelBlockingCall();
            return true;
        };

        var (rc, error) = TestThreads.RunBounded(() => (Ws2.select(0, readfds, null, null, null), Ws2.WSAGetLastError()), "a select cancelled by its hook");

        Assert.Equal(0, cancel);
        Assert.Equal(SOCKET_ERROR, rc);
        Assert.Equal(WSAEINTR, error);
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void Select_NoSockets_FailsWithInvalid_AnUnknownFirstSocketWithNotSock()
    {
        Assert.Equal(SOCKET_ERROR, Ws2.select(0, new FdSet(), null, null, new TimeVal(0, 0)));
        Assert.Equal(WSANOTINITIALISED, Ws2.WSAGetLastError());
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));

        Assert.Equal(SOCKET_ERROR, Ws2.select(0, null, new FdSet(), null, null));
        Assert.Equal(WSAEINVAL, Ws2.WSAGetLastError());

        var bogus = new FdSet();
        FD_SET(0x4242, bogus);
        Assert.Equal(SOCKET_ERROR, Ws2.select(0, null, null, bogus, null));
        Assert.Equal(WSAENOTSOCK, Ws2.WSAGetLastError());
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void Select_NegativeTimeval_FailsWithInvalid()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint s = Ws2.socket(AF_INET, SOCK_STREAM, 0);
        var readfds = new FdSet();
        FD_SET(s, readfds);

        Assert.Equal(SOCKET_ERROR, Ws2.select(0, readfds, null, null, new TimeVal(-1, 0)));
        Assert.Equal(WSAEINVAL, Ws2.WSAGetLastError());
        Assert.Equal(1, readfds.fd_count);
    }

    [Fact]
    [Trait("Rule", "SLT-3")]
    public void Select_SocketsOfTwoProviders_GoToTheProviderOfTheFirst_WhichFindsTheOtherNoSocket()
    {
        Assert.Equal(0, Ws2.WSAStartup(MAKEWORD(2, 2), out _));
        nuint onBase = Ws2.socket(AF_INET, SOCK_STREAM, 0);
        nuint onSecond = Ws2.WSASocket(AF_INET, SOCK_STREAM, 0, _kit.SecondEntry, 0, 0);
        Assert.NotEqual(INVALID_SOCKET, onSecond);
        var readfds = new FdSet();
        FD_SET(onBase, readfds);
        FD_SET(onSecond, readfds);

        Assert.Equal(SOCKET_ERROR, Ws2.select(0, readfds, null, null, new TimeVal(0, 0)));
        Assert.Equal(WSAENOTSOCK, Ws2.WSAGetLastError());
        Assert.Equal(2, readfds.fd_count);

        // Each provider answers for its own sockets.
        FD_CLR(onSecond, readfds);
        Assert.Equal(0, Ws2.select(0, readfds, null, null, new TimeVal(0, 0)));
        Assert.Equal(0, _kit.Second.Last.Inner.Operations.BlockedCallCount);
    }
}
