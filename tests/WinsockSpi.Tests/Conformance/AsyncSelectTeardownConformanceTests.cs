using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.Conformance.AsyncSelectConformanceTests;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// SEMANTICS section 11, ASY-3: window messages after close, the final cleanup and process death (with the CLS, CLN
/// and PRC rules they extend), and window messages through a layered provider.
/// </summary>
public sealed class AsyncSelectTeardownConformanceTests
{
    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLS-3")]
    public void ASY3_AfterClose_NoMessageIsPostedForTheSocket_AndQueuedOnesStay()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("queued"u8);
        var before = window.Messages;

        h.Runtime.CloseSocket(s).ThrowIfFailed();
        peer.Write("after close"u8);
        peer.Reset();

        Assert.Equal([NetworkEvents.Read], before.Select(m => m.SelectEvent()));
        Assert.Equal(before, window.Messages);
        Assert.Equal(1, window.PostedCount);
        Assert.Single(h.Upcalls.PostedMessages());
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "DUP-1")]
    public void ASY3_ClosingOneOfTwoHandles_KeepsTheMessagesComing()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var duplicate = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(duplicate, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        h.Runtime.CloseSocket(s).ThrowIfFailed();
        peer.Write("x"u8);

        Assert.Equal([new WindowMessage(WmSocket, duplicate.Value, Winsock.MakeSelectReply((int)NetworkEvents.Read, 0))], window.Messages);
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLN-9")]
    [Trait("Rule", "CLN-6")]
    public void ASY3_FinalCleanup_PostsNoMessage_NotEvenForTheResetsItMakes_AndNoneAfter()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var (other, otherPeer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.All).ThrowIfFailed();
        h.Runtime.AsyncSelect(other, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("before"u8);
        var before = window.Messages;

        h.Runtime.Cleanup().ThrowIfFailed();
        otherPeer.Write("after"u8);
        peer.Close();

        Assert.Equal([NetworkEvents.Write, NetworkEvents.Read], before.Select(m => m.SelectEvent()));
        Assert.Equal(before, window.Messages);
        Assert.Equal(2, h.Upcalls.PostedMessages().Count);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(PeerState.Reset, otherPeer.State);
        h.AssertUnloadReady();
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLN-3")]
    public void ASY3_NonFinalCleanup_LeavesTheAssociation()
    {
        using var h = new ProviderHarness(startups: 2);
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        h.Runtime.Cleanup().ThrowIfFailed();
        peer.Write("x"u8);

        Assert.Equal(1, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "PRC-2")]
    public void ASY3_ProcessDeath_PostsNoMessage_AndTheWindowIsNoLongerValid()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("before"u8);

        h.Process.Terminate();
        peer.Write("after"u8);

        Assert.False(window.IsValid);
        Assert.Equal(1, window.PostedCount);
        Assert.Single(h.Upcalls.PostedMessages());
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.False(window.PostMessage(WmSocket, 0, 0));
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLN-13")]
    public void ASY3_MessageDecidedBeforeTheFinalCleanup_IsPostedBeforeItReturns_AndNothingAfter()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var slow = Substitute.For<IUpcalls>();
        slow.PostMessage(null!, 0, 0, 0).ReturnsForAnyArgs(call =>
        {
            entered.Set();
            WaitFor(release);
            return h.ProcessUpcalls.PostMessage(call.ArgAt<SimulatedWindow>(0), call.ArgAt<int>(1), call.ArgAt<nuint>(2), call.ArgAt<nint>(3));
        });
        h.Startup(slow);
        h.Runtime.Cleanup().ThrowIfFailed(); // back to one startup: the next cleanup is the final one; the slow table stays
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        var writer = Start(() => peer.Write("x"u8));
        WaitFor(entered);

        var cleanup = Start(() => h.Runtime.Cleanup());
        SpinUntil(() => h.Runtime.QuiescenceWaiters == 1, "the final cleanup waits for the message being posted");
        Assert.False(cleanup.IsCompleted);
        release.Set();

        Assert.True(Join(cleanup).IsSuccess);
        Assert.Equal(1, window.MessageCount); // posted before the cleanup returned
        Join(writer);
        Assert.Equal(1, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    [Trait("Rule", "CLN-12")]
    public void ASY3_CloseFromInsideWPUPostMessage_DoesNotWaitForItself()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        var closing = Substitute.For<IUpcalls>();
        WsaError closed = WsaError.InvalidHandle;
        closing.PostMessage(null!, 0, 0, 0).ReturnsForAnyArgs(call =>
        {
            closed = h.Runtime.CloseSocket(s).Error;
            return h.ProcessUpcalls.PostMessage(call.ArgAt<SimulatedWindow>(0), call.ArgAt<int>(1), call.ArgAt<nuint>(2), call.ArgAt<nint>(3));
        });
        h.Startup(closing);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        RunBounded(() => peer.Write("x"u8), "a write whose message closes its socket");

        Assert.Equal(WsaError.Success, closed);
        Assert.Equal(1, window.MessageCount);
        Assert.Equal(0, h.Runtime.Sockets.Count);
    }

    [Fact]
    [Trait("Rule", "ASY-3")]
    public void ASY3_WindowWhoseThreadEnds_DiscardsLaterMessages_AndKeepsTheQueuedOnes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        using var created = new ManualResetEventSlim();
        using var end = new ManualResetEventSlim();
        SimulatedWindow? window = null;
        var owner = new Thread(() =>
        {
            window = new SimulatedWindow(h.Process);
            created.Set();
            WaitFor(end);
        });
        owner.Start();
        WaitFor(created);
        h.Runtime.AsyncSelect(s, window!, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("while alive"u8);

        end.Set();
        Assert.True(owner.Join(WaitLimit));
        Assert.Equal(11, h.Runtime.Receive(s, new byte[16]).Value);
        peer.Write("after its thread ended"u8);

        Assert.Equal(1, window!.MessageCount);
        Assert.Equal(2, h.Upcalls.PostedMessages().Count); // the provider tried; the window refused
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Id == 2150);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    [Trait("Rule", "LSP-1")]
    public void ASY1_ThroughALayer_TheMessageComesUpTheLayersUpcallTable()
    {
        using var h = new ProviderHarness(startups: 0);
        var interceptor = Substitute.For<ILayerInterceptor>();
        var layer = new LayeredProvider(h.Runtime, new LayeredProviderOptions { Interceptor = interceptor });
        var client = UpcallSpy.Forwarding(new ProcessUpcalls(h.Process));
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _, client));
        var s = layer.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).ThrowIfFailed();
        layer.Connect(s, h.Listener.EndPoint).ThrowIfFailed();
        var peer = h.Listener.Accept();
        var window = new SimulatedWindow(h.Process);

        layer.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("x"u8);

        Assert.Equal([new WindowMessage(WmSocket, s.Value, Winsock.MakeSelectReply((int)NetworkEvents.Read, 0))], window.Messages);
        Assert.Single(client.PostedMessages());
        interceptor.Received(1).OnUpcall(Arg.Is<LayerUpcall>(u => u.Kind == LayerUpcallKind.PostMessage && u.Layer == layer));
        interceptor.Received(1).OnCalling(Arg.Is<LayerCall>(c => c.Entry == WspEntry.AsyncSelect));

        layer.Cleanup().ThrowIfFailed();
        peer.Write("after the layer's final cleanup"u8);
        Assert.Equal(1, window.MessageCount);
        h.AssertUnloadReady();
    }
}
