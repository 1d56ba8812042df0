using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// Regression tests for edges a review of the core found: user code that throws, calls from inside the blocking
/// hook, shutdown with sends still queued, and the rules of the house (no logging under the provider's lock).
/// </summary>
public class RobustnessTests
{
    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_ShutdownSendWithASendStillQueued_TheFinFollowsItsDataAndTheSendCompletes()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, ov).Error);

        Assert.True(h.Runtime.Shutdown(s, SocketShutdown.Send).IsSuccess);
        Assert.Equal(PeerState.Open, peer.State);

        var got = new byte[16];
        int n = peer.Read(got);
        n += peer.Read(got.AsSpan(n));

        Assert.Equal(8, n);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, got[..8]);
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(8, ov.BytesTransferred);
        Assert.Equal(PeerState.FinReceived, peer.State);
        Assert.Equal(WsaError.Shutdown, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give Shutdown at once").Error);
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    [Trait("Rule", "OVL-3")]
    public void STA6_BlockingSendFromInsideTheHook_FailsWithInProgressBeforeMovingAnyData()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        SpiResult<int> sendInHook = default;
        int hookCalls = 0;
        h.BlockingHook = () =>
        {
            if (Interlocked.Increment(ref hookCalls) == 1)
            {
                sendInHook = h.Runtime.Send(s, new byte[8]);
            }

            return true;
        };

        var worker = Start(() => h.Runtime.Receive(s, new byte[4]));
        SpinUntil(() => Volatile.Read(ref hookCalls) >= 1, "the hook ran");
        peer.Write("x"u8);
        Assert.Equal(1, Join(worker).Value);

        Assert.Equal(WsaError.InProgress, sendInHook.Error);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_ATickLeftOverFromAnEarlierCall_DoesNotCallTheNextCallsHookTwice()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        int phase = 1, secondCallHooks = 0;
        h.BlockingHook = () =>
        {
            if (Volatile.Read(ref phase) == 1)
            {
                h.Time.Advance(TimeSpan.FromMilliseconds(100)); // a tick lands, then the call completes
                peer.Write("a"u8);
            }
            else
            {
                Interlocked.Increment(ref secondCallHooks);
            }

            return true;
        };

        var worker = Start(() =>
        {
            int first = h.Runtime.Receive(s, new byte[1]).Value;
            Volatile.Write(ref phase, 2);
            return first + h.Runtime.Receive(s, new byte[1]).Value;
        });

        SpinUntil(() => Volatile.Read(ref secondCallHooks) >= 1 && h.Runtime.Operations.BlockedCallCount == 1, "the second call blocked");
        peer.Write("b"u8);

        Assert.Equal(2, Join(worker));
        Assert.Equal(1, secondCallHooks);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    public void BLK1_AHookThatThrows_EndsItsCallAndLeavesNothingBlocked()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        h.BlockingHook = () => throw new InvalidOperationException("hook");

        Assert.Throws<InvalidOperationException>(() => h.Runtime.Receive(s, new byte[4]));

        h.BlockingHook = null;
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Empty(h.Runtime.Operations.Snapshot());
        h.Runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_AnUpcallThatThrows_StillPublishesEveryOperationOfTheBatch()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var throwing = Substitute.For<IUpcalls>();
        throwing.QueryBlockingCallback().Returns((BlockingCallback?)null);
        throwing.WhenForAnyArgs(u => u.QueueApc(null!, null!, null)).Do(_ => throw new InvalidOperationException("upcall"));
        throwing.WhenForAnyArgs(u => u.CompleteOverlappedRequest(default)).Do(_ => throw new InvalidOperationException("upcall"));
        h.Startup(throwing);
        var ov1 = new WsaOverlapped(new WsaEvent());
        var ov2 = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[2], ov1).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[2], ov2).Error);

        Assert.Throws<InvalidOperationException>(() => peer.Write("abcd"u8));

        Assert.Equal(OperationStatus.Completed, ov1.Status);
        Assert.Equal(OperationStatus.Completed, ov2.Status);
        Assert.Equal(2, RunBounded(() => h.Runtime.GetOverlappedResult(s, ov2, wait: true), "GetOverlappedResult(wait: true) of a completed receive").Value);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        h.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    [Trait("Rule", "PRC-2")]
    public void OVL7_AnOverlappedWhoseRoutineDiedWithItsProcess_CanBeReusedElsewhere()
    {
        var network = new SimulatedNetwork();
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var p1 = new SimulatedProcess(network);
        var r1 = new ProviderRuntime(new ProviderOptions { Process = p1 });
        r1.Startup(WinsockVersion.V2_2, out _);
        var s1 = r1.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        r1.Connect(s1, listener.EndPoint).ThrowIfFailed();
        var peer1 = listener.Accept();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, r1.Receive(s1, new byte[4], ov, (_, _, _, _) => { }).Error);
        peer1.Write("ab"u8);
        Assert.True(ov.IsCompleted);

        p1.Terminate(); // the queued routine never runs (PRC-2)

        using var r2 = new ProviderRuntime(new ProviderOptions { Network = network });
        r2.Startup(WinsockVersion.V2_2, out _);
        var s2 = r2.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        r2.Connect(s2, listener.EndPoint).ThrowIfFailed();
        Assert.Equal(WsaError.IOPending, r2.Receive(s2, new byte[4], ov).Error);
        r2.Cleanup().ThrowIfFailed();
    }

    [Fact]
    public void QueueApc_WithoutAThread_IsMisuse()
    {
        using var process = new SimulatedProcess();
        Assert.Throws<ArgumentNullException>(() => process.QueueApc(null!, _ => { }, null));
    }

    [Theory]
    [InlineData("SocketTableFull")]
    [InlineData("ConnectRefused")]
    public void Logging_NeverRunsUnderTheProvidersLock(string which)
    {
        ProviderRuntime? runtime = null;
        bool lockFreeWhileLogging = true;
        int records = 0;
        using var factory = TestLogging.CreateFactory(out var logs, onRecord: _ =>
        {
            // Runs on the logging thread for every record: another thread must be able to take the lock meanwhile.
            Interlocked.Increment(ref records);
            if (Volatile.Read(ref runtime) is { } r)
            {
                lockFreeWhileLogging &= Task.Run(() => r.StartupCount).Wait(WaitLimit);
            }
        });
        runtime = new ProviderRuntime(new ProviderOptions { MaxSockets = 1, LoggerFactory = factory });
        runtime.Startup(WinsockVersion.V2_2, out _);
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        var error = which == "SocketTableFull"
            ? runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error
            : runtime.Connect(s, new IPEndPoint(IPAddress.Loopback, 1)).Error;

        Assert.Equal(which == "SocketTableFull" ? WsaError.TooManyOpenSockets : WsaError.ConnectionRefused, error);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Name == which);
        Assert.True(Volatile.Read(ref records) > 0);
        Assert.True(lockFreeWhileLogging);
        runtime.ValidateInvariants();
        runtime.Dispose();
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_NonBlockingConnect_RecordsFdConnectOnce_NotAgainWhenReselected()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Connect | NetworkEvents.Write).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);

        var first = h.Runtime.EnumNetworkEvents(s, ev).Value;
        h.Runtime.EventSelect(s, ev, NetworkEvents.Connect | NetworkEvents.Write | NetworkEvents.Read).ThrowIfFailed();
        var second = h.Runtime.EnumNetworkEvents(s, ev).Value;

        Assert.Equal(NetworkEvents.Connect | NetworkEvents.Write, first.Events);
        Assert.Equal(NetworkEvents.None, second.Events & NetworkEvents.Connect);
    }

    [Fact]
    public void Connect_ToALoopbackAddress_ReachesASocketListeningOnTheWildcardAddress()
    {
        using var h = new ProviderHarness();
        var server = h.NewSocket();
        h.Runtime.Bind(server, new IPEndPoint(IPAddress.Any, 0)).ThrowIfFailed();
        h.Runtime.Listen(server, 5).ThrowIfFailed();
        int port = ((IPEndPoint)h.Runtime.GetSockName(server).Value).Port;

        var client = h.NewSocket();
        Assert.True(h.Runtime.Connect(client, new IPEndPoint(IPAddress.Loopback, port)).IsSuccess);
        var accepted = h.Runtime.Accept(server).ThrowIfFailed();

        Assert.Equal(5, h.Runtime.Send(client, "hello"u8.ToArray()).Value);
        var buffer = new byte[8];
        Assert.Equal(5, h.Runtime.Receive(accepted, buffer).Value);

        var other = h.NewSocket();
        Assert.Equal(WsaError.AddressAlreadyInUse, h.Runtime.Bind(other, new IPEndPoint(IPAddress.Loopback, port)).Error);
    }

    [Fact]
    public void Bind_WhenNoEphemeralPortIsLeft_FailsWithNoBuffersRatherThanThrowing()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, MaxSockets = 20_000 });
        runtime.Startup(WinsockVersion.V2_2, out _);
        WsaError last = WsaError.Success;
        int bound = 0;
        for (int i = 0; i < 20_000 && last == WsaError.Success; i++)
        {
            var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            last = runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).Error;
            bound += last == WsaError.Success ? 1 : 0;
        }

        Assert.Equal(65536 - 49152, bound);
        Assert.Equal(WsaError.NoBufferSpaceAvailable, last);
    }

    [Fact]
    [Trait("Rule", "PRC-3")]
    [Trait("Rule", "SOC-1")]
    public void PRC3_HandlesOfTwoLiveProviders_NeverCoincide_EvenAfterTheTagsWrapAround()
    {
        // Tags are handed out per network (handles then depend only on the network); wrap its tags around.
        var network = new SimulatedNetwork();
        using var r1 = new ProviderRuntime(new ProviderOptions { Network = network });
        r1.Startup(WinsockVersion.V2_2, out _);
        var tags = NetworkHandleTags.Of(network);
        for (int i = 0; i < (1 << 15); i++)
        {
            new SocketTable<object>(1, tags).ReleaseTag();
        }

        using var r2 = new ProviderRuntime(new ProviderOptions { Network = network });
        r2.Startup(WinsockVersion.V2_2, out _);
        var h1 = r1.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var h2 = r2.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.NotEqual(h1, h2);
        Assert.Equal(WsaError.NotSocket, r2.CloseSocket(h1).Error);
        Assert.True(r2.Sockets.Contains(h2));
    }
}
