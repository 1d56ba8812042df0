using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Regressions;

/// <summary>
/// Regression tests for the lifecycle defects of the reliability review (issue 9, defects 3, 8, 9, 10) and for the
/// linger tests that passed on the wall clock.
/// </summary>
public sealed class LifecycleRegressionTests
{
    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_HookIntervalNoTimerAccepts_IsRefusedByTheConstructor()
    {
        // Defect 3: 60 days passed validation, then a blocking receive threw after it was queued.
        var tooLong = new ProviderOptions { BlockingHookInterval = TimeSpan.FromDays(60) };
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProviderRuntime(tooLong));

        using var longest = new ProviderRuntime(new ProviderOptions { BlockingHookInterval = ProviderOptions.MaxBlockingHookInterval });
        Assert.Equal(TimeSpan.FromMilliseconds(uint.MaxValue - 1), ProviderOptions.MaxBlockingHookInterval);
    }

    [Fact]
    [Trait("Rule", "BLK-1")]
    [Trait("Rule", "BLK-2")]
    public void BLK2_UpcallTableThatThrowsWhenAskedForTheHook_LeavesNothingQueuedOrBlocked()
    {
        // Defect 3: the receive stayed queued, the thread's next blocking call gave WSAEINPROGRESS, and the peer's next
        // bytes vanished into the abandoned receive's buffer.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var throwing = Substitute.For<IUpcalls>();
        throwing.QueryBlockingCallback().Returns(_ => throw new InvalidOperationException("upcall"));
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _, throwing));

        Assert.Throws<InvalidOperationException>(() => h.Runtime.Receive(s, new byte[4]));

        AssertNothingLeft(h, s, peer);
    }

    [Fact]
    [Trait("Rule", "BLK-2")]
    public void BLK2_ClockThatThrowsWhenTheHookTimerStarts_LeavesNothingQueuedOrBlocked()
    {
        var time = new ThrowingTimeProvider();
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, TimeProvider = time });
        var upcalls = new ProcessUpcalls(runtime.Process) { BlockingHook = () => true };
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _, upcalls));
        using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Value;
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();
        time.Throw = true;

        Assert.Throws<InvalidOperationException>(() => runtime.Receive(s, new byte[4]));

        Assert.Equal(0, runtime.Operations.BlockedCallCount);
        Assert.Equal(0, runtime.Operations.PendingCount);
        upcalls.BlockingHook = null;
        Assert.Equal(4, peer.Write("abcd"u8));
        var buffer = new byte[4];
        Assert.Equal(4, runtime.Receive(s, buffer).Value); // not WSAEINPROGRESS, and the bytes were not lost
        Assert.Equal("abcd"u8.ToArray(), buffer);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    [Trait("Rule", "CLN-8")]
    public void CLS6_ClockThatThrowsWhenTheLingerTimerStarts_LeavesTheSocketAsItWas()
    {
        // Defect 8: the timer was created under the lock after the close had aborted the receive's queue and released
        // the handle; the receive read WSA_IO_PENDING for ever and the local port stayed bound.
        var time = new ThrowingTimeProvider();
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network, TimeProvider = time, SendBufferSize = 16 });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Value;
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();
        var local = (IPEndPoint)runtime.GetSockName(s).Value;
        var receive = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[4], receive).Error);
        Assert.Equal(8, runtime.Send(s, new byte[8]).Value); // unsent: the peer does not read
        runtime.SetLinger(s, enabled: true, seconds: 5).ThrowIfFailed();
        time.Throw = true;

        Assert.Throws<InvalidOperationException>(() => runtime.CloseSocket(s));

        Assert.True(receive.IsPending);
        Assert.True(runtime.GetSockName(s).IsSuccess); // the handle is still valid
        Assert.Equal(PeerState.Open, peer.State);
        runtime.ValidateInvariants();

        runtime.Cleanup().ThrowIfFailed();
        Assert.Equal(WsaError.OperationAborted, receive.Error);
        Assert.False(receive.Event!.IsSet);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(PeerState.Reset, peer.State);
        using var next = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, next.Startup(WinsockVersion.V2_2, out _));
        var again = next.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Value;
        Assert.True(next.Bind(again, local).IsSuccess); // the port was released
    }

    [Fact]
    [Trait("Rule", "CLS-6")]
    public void CLS6_HourLongLinger_EndsWhenTheFakeClockPassesTheHour()
    {
        // A linger test that waits on the wall clock passes with the timer on the wrong clock: this one proves an hour
        // of linger in milliseconds, so a timer on TimeProvider.System would leave the close blocked and fail the join.
        using var h = new ProviderHarness(sendBufferSize: 16);
        var (s, peer) = h.Connect();
        Assert.Equal(8, h.Runtime.Send(s, new byte[8]).Value);
        h.Runtime.SetLinger(s, enabled: true, seconds: 3600).ThrowIfFailed();

        var close = Start(() => h.Runtime.CloseSocket(s));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the close lingers");
        h.Time.Advance(TimeSpan.FromSeconds(3599));
        Assert.False(close.IsCompleted);
        Assert.Equal(PeerState.Open, peer.State);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(Join(close).IsSuccess);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
    }

    [Fact]
    [Trait("Rule", "SOC-1")]
    [Trait("Rule", "PRC-3")]
    public void SOC1_ThirtyThreeThousandProvidersDroppedWithoutDispose_NeverMakeALiveProvidersHandleAlias()
    {
        // Defect 9: tags of providers never disposed were never returned; past 32,767 the next provider reused the tag
        // of a live one, and a handle of one provider named a socket of the other.
        var network = new SimulatedNetwork();
        using var a = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, a.Startup(WinsockVersion.V2_2, out _));
        var h = a.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Value;

        for (int i = 0; i < 33_000; i++)
        {
            Abandon();
        }

        using var b = new ProviderRuntime(new ProviderOptions { Network = network });
        Assert.Equal(WsaError.Success, b.Startup(WinsockVersion.V2_2, out _));
        var hb = b.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Value;
        Assert.NotEqual(h, hb);
        Assert.Equal(WsaError.NotSocket, b.GetSockName(h).Error);
        Assert.Equal(WsaError.NotSocket, a.GetSockName(hb).Error);
        Assert.True(a.Sockets.Contains(h));

        static void Abandon()
        {
            var dropped = new ProviderRuntime();
            dropped.Startup(WinsockVersion.V2_2, out _);
            dropped.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        }
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_TwoInstancesInOneProcess_KeepTheProcessCountedUntilTheLastIsCleanedUp()
    {
        // Defect 10: the first instance's final cleanup uncounted the process, so a second process could start.
        var network = new SimulatedNetwork();
        using var process = new SimulatedProcess(network);
        using var first = new ProviderRuntime(new ProviderOptions { Process = process, MaxProcesses = 1 });
        using var second = new ProviderRuntime(new ProviderOptions { Process = process, MaxProcesses = 1 });
        using var elsewhere = new ProviderRuntime(new ProviderOptions { Network = network, MaxProcesses = 1 });
        Assert.Equal(WsaError.Success, first.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, second.Startup(WinsockVersion.V2_2, out _));

        first.Cleanup().ThrowIfFailed();

        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.ProcessLimit, elsewhere.Startup(WinsockVersion.V2_2, out _));
        second.Cleanup().ThrowIfFailed();
        Assert.Equal(0, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.Success, elsewhere.Startup(WinsockVersion.V2_2, out _));
    }

    private static void AssertNothingLeft(ProviderHarness h, SocketHandle s, RemotePeer peer)
    {
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        h.Runtime.ValidateInvariants();
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _, h.Upcalls));
        Assert.Equal(4, peer.Write("abcd"u8));
        var buffer = new byte[4];
        Assert.Equal(4, h.Runtime.Receive(s, buffer).Value); // not WSAEINPROGRESS, and the bytes were not lost
        Assert.Equal("abcd"u8.ToArray(), buffer);
    }

    /// <summary>A real clock whose timers can be made to fail, as a misbehaving TimeProvider would.</summary>
    private sealed class ThrowingTimeProvider : TimeProvider
    {
        public bool Throw { get; set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            => Throw ? throw new InvalidOperationException("clock") : System.CreateTimer(callback, state, dueTime, period);
    }
}
