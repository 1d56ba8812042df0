using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 12: WSPSelect, its readiness rules (SLT-1), as a blocking call (SLT-2), its bad input (SLT-3).</summary>
public sealed partial class SelectConformanceTests
{
    private static readonly IPEndPoint Nowhere = new(IPAddress.Loopback, 9);

    // ---------------------------------------------------------------- SLT-1: readiness, polling

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Poll_LeavesOnlyTheSocketsWithDataQueued_AndCountsThem()
    {
        using var h = new ProviderHarness();
        var (quiet, _) = h.Connect();
        var (busy, busyPeer) = h.Connect();
        var (alsoQuiet, _) = h.Connect();
        busyPeer.Write("data"u8);
        List<SocketHandle> read = [quiet, busy, alsoQuiet];

        var r = h.Runtime.Select(read, null, null, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([busy], read);
        Assert.Equal(4, h.Runtime.Receive(busy, new byte[16]).Value); // readable: a receive completes at once
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Poll_NothingReady_ReturnsZeroAndEmptiesTheSets_WithoutBlocking()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var listening = h.Listen();
        List<SocketHandle> read = [s, listening];
        List<SocketHandle> except = [s];

        var r = h.Runtime.Select(read, null, except, TimeSpan.Zero);

        Assert.Equal(0, r.Value);
        Assert.Empty(read);
        Assert.Empty(except);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Theory]
    [Trait("Rule", "SLT-1")]
    [InlineData(false)]
    [InlineData(true)]
    public void SLT1_PeerClosedOrReset_IsReadable_AndTheReceiveDoesNotBlock(bool reset)
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        if (reset)
        {
            peer.Reset();
        }
        else
        {
            peer.Close();
        }

        List<SocketHandle> read = [s];
        Assert.Equal(1, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        Assert.Equal([s], read);

        var received = h.Runtime.Receive(s, new byte[4]);
        Assert.Equal(reset ? WsaError.ConnectionReset : WsaError.Success, received.Error);
        Assert.Equal(0, received.GetValueOrDefault(0));
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Listener_IsReadableOnlyWhileAConnectionWaits()
    {
        using var h = new ProviderHarness();
        var listening = h.ListenOnFreePort(5, out var endPoint);
        List<SocketHandle> read = [listening];
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);

        var client = h.NewSocket();
        h.Runtime.Connect(client, endPoint).ThrowIfFailed();
        read = [listening];
        Assert.Equal(1, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
        Assert.Equal([listening], read);

        Assert.True(h.Runtime.Accept(listening).IsSuccess); // readable: the accept completes at once
        read = [listening];
        Assert.Equal(0, h.Runtime.Select(read, null, null, TimeSpan.Zero).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Writable_WhileTheSendBufferHasRoom_NotWhenFull()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, peer) = h.Connect();
        var fresh = h.NewSocket(); // not connected: never writable
        List<SocketHandle> write = [s, fresh];
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
        Assert.Equal([s], write);

        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        while (h.Runtime.Send(s, new byte[64]).IsSuccess)
        {
        }

        write = [s];
        Assert.Equal(0, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);

        peer.ReadAvailable();
        write = [s];
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_NonBlockingConnectThatSucceeded_IsWritable_NotExceptional()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        var r = h.Runtime.Select(null, write, except, TimeSpan.Zero);

        Assert.Equal(1, r.Value);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_NonBlockingConnectThatFailed_IsInTheExceptSet_UntilTheNextConnect()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, Nowhere).Error);
        List<SocketHandle> read = [s];
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        Assert.Equal(1, h.Runtime.Select(read, write, except, TimeSpan.Zero).Value);
        Assert.Empty(read);
        Assert.Empty(write);
        Assert.Equal([s], except);

        // The socket may try again; the new attempt forgets the failure.
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
        write = [s];
        except = [s];
        Assert.Equal(1, h.Runtime.Select(null, write, except, TimeSpan.Zero).Value);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_AHandleInTwoSets_CountsOncePerSetItIsReadyIn()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("x"u8);
        List<SocketHandle> read = [s];
        List<SocketHandle> write = [s];
        List<SocketHandle> except = [s];

        Assert.Equal(2, h.Runtime.Select(read, write, except, TimeSpan.Zero).Value);
        Assert.Equal([s], read);
        Assert.Equal([s], write);
        Assert.Empty(except);
    }

    // ---------------------------------------------------------------- SLT-1: waiting, timeout

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "BLK-1")]
    public void SLT1_NoTimeout_WaitsUntilDataArrives_ThenLeavesOnlyThatSocket()
    {
        using var h = new ProviderHarness();
        var (a, _) = h.Connect();
        var (b, peerB) = h.Connect();
        List<SocketHandle> read = [a, b];

        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));
        var info = Assert.Single(h.Runtime.Operations.Snapshot());
        Assert.Equal((OperationKind.Select, NotificationKind.BlockingCall, a), (info.Kind, info.Notification, info.Socket));
        h.Time.Advance(TimeSpan.FromDays(1)); // no timeout: the clock does not end it
        Assert.False(selector.IsCompleted);

        peerB.Write("hello"u8);

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal([b], read);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        h.ValidateInvariants();
    }

    [Theory]
    [Trait("Rule", "SLT-1")]
    [InlineData("connection")]
    [InlineData("peer close")]
    [InlineData("peer reset")]
    [InlineData("room")]
    public void SLT1_AWaitingSelect_IsWokenByEveryChangeThatMakesASocketReady(string change)
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var listening = h.ListenOnFreePort(5, out var endPoint);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        while (h.Runtime.Send(s, new byte[64]).IsSuccess)
        {
        }

        List<SocketHandle> read = [listening, s];
        List<SocketHandle> write = [s];
        var selector = h.StartBlocked(() => h.Runtime.Select(read, write, null, TimeSpan.FromSeconds(30)));

        SocketHandle expected;
        switch (change)
        {
            case "connection":
                var client = h.NewSocket();
                h.Runtime.Connect(client, endPoint).ThrowIfFailed();
                expected = listening;
                break;
            case "peer close":
                peer.Close();
                expected = s;
                break;
            case "peer reset":
                peer.Reset();
                expected = s;
                break;
            default:
                peer.ReadAvailable();
                expected = s;
                break;
        }

        Assert.Equal(1, Join(selector).Value);
        Assert.Equal(change == "room" ? [] : [expected], read);
        Assert.Equal(change == "room" ? [expected] : [], write);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void SLT1_Timeout_ComesFromTheTimeProvider_AndReturnsZeroWithEmptySets()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        List<SocketHandle> read = [s];
        List<SocketHandle> except = [s];

        var selector = h.StartBlocked(() => h.Runtime.Select(read, null, except, TimeSpan.FromSeconds(5)));
        h.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(selector.IsCompleted);
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);

        h.Time.Advance(TimeSpan.FromSeconds(0.1));

        var r = Join(selector);
        Assert.True(r.IsSuccess);
        Assert.Equal(0, r.Value);
        Assert.Empty(read);
        Assert.Empty(except);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
        h.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    [Trait("Rule", "BLK-1")]
    public void SLT1_TheTimerOfASelectThatEnded_DoesNotEndTheThreadsNextBlockingCall()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var done = new ManualResetEventSlim();
        var next = new ManualResetEventSlim();
        SpiResult<int> receive = default;
        var worker = Start(() =>
        {
            List<SocketHandle> read = [s];
            var selected = h.Runtime.Select(read, null, null, TimeSpan.FromSeconds(5));
            done.Set();
            WaitFor(next);
            receive = h.Runtime.Receive(s, new byte[16]); // the same thread, the same blocking record
            return selected;
        });
        WaitForBlockedCalls(h.Runtime, 1);
        peer.Write("a"u8);
        WaitFor(done);
        Assert.Equal(1, h.Runtime.Receive(s, new byte[16]).Value);

        next.Set();
        WaitForBlockedCalls(h.Runtime, 1);
        h.Time.Advance(TimeSpan.FromSeconds(10)); // the old select's timeout passes while the receive blocks
        Assert.Equal(1, h.Runtime.Operations.BlockedCallCount);
        Assert.False(worker.IsCompleted);

        peer.Write("bc"u8);
        Assert.Equal(1, Join(worker).Value);
        Assert.Equal(2, receive.Value);
    }
}
