using System.Net;
using NSubstitute;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 11: WSPAsyncSelect and its window messages (ASY-1, ASY-2).</summary>
public sealed class AsyncSelectConformanceTests
{
    /// <summary>WM_USER + 1, the message number an application picks for its socket notifications.</summary>
    internal const int WmSocket = 0x0401;

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_PeerWrites_PostsReadThroughWPUPostMessage_WithTheSocketAndSelectReply()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        Assert.Equal(0, window.MessageCount);

        Join(Start(() => peer.Write("data"u8)));

        var expected = new WindowMessage(WmSocket, s.Value, Winsock.MakeSelectReply((int)NetworkEvents.Read, 0));
        Assert.Equal([expected], window.Messages);
        Assert.Equal([expected], h.Upcalls.PostedMessages());
        Assert.Equal(NetworkEvents.Read, expected.SelectEvent());
        Assert.Equal(WsaError.Success, expected.SelectError());
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_AsyncSelect_MakesTheSocketNonBlocking()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        h.Runtime.AsyncSelect(s, new SimulatedWindow(h.Process), WmSocket, NetworkEvents.Read).ThrowIfFailed();

        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.False(info.IsBlocking);
        Assert.Equal(NetworkEvents.Read, info.SelectedEvents);
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a receive that should give WouldBlock at once").Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.SetBlocking(s, true).Error);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    [Trait("Rule", "STA-7")]
    public void ASY1_MessagesGoThroughTheMostRecentUpcallTable()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        var later = UpcallSpy.Forwarding(new ProcessUpcalls(h.Process));

        h.Startup(later);
        peer.Write("x"u8);

        Assert.Empty(h.Upcalls.PostedMessages());
        Assert.Single(later.PostedMessages());
        Assert.Equal(1, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_WindowWhoseThreadHasEnded_GivesInvalidArgument_AndLeavesTheSocketAsItWas()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var orphan = WindowOfEndedThread(h.Process);

        Assert.False(orphan.IsValid);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.AsyncSelect(s, orphan, WmSocket, NetworkEvents.Read).Error);

        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.True(info.IsBlocking);
        Assert.Equal(NetworkEvents.None, info.SelectedEvents);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_BadArguments_GiveTheWinsockErrors()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        var destroyed = new SimulatedWindow(h.Process);
        destroyed.Destroy();
        using var other = new SimulatedProcess(h.Network);
        var foreign = new SimulatedWindow(other);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.AsyncSelect(s, null, WmSocket, NetworkEvents.Read).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.AsyncSelect(s, destroyed, WmSocket, NetworkEvents.Read).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.AsyncSelect(s, foreign, WmSocket, NetworkEvents.Read).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.AsyncSelect(s, window, WmSocket, (NetworkEvents)0x4000).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.AsyncSelect(new SocketHandle(0x77), window, WmSocket, NetworkEvents.Read).Error);
        Assert.True(h.Runtime.AsyncSelect(s, null, 0, NetworkEvents.None).IsSuccess);
        h.Runtime.Cleanup().ThrowIfFailed();
        Assert.Equal(WsaError.NotInitialized, h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).Error);
        Assert.Equal(0, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_LaterAsyncSelect_ReplacesTheEarlierOne()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new SimulatedWindow(h.Process);
        var second = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, first, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        h.Runtime.AsyncSelect(s, second, WmSocket + 1, NetworkEvents.Close).ThrowIfFailed();
        peer.Write("ignored"u8);
        peer.Close();
        Assert.Equal(7, h.Runtime.Receive(s, new byte[16]).Value); // FD_CLOSE comes once the data is read

        Assert.Equal(0, first.MessageCount);
        Assert.Equal([new WindowMessage(WmSocket + 1, s.Value, Winsock.MakeSelectReply((int)NetworkEvents.Close, 0))], second.Messages);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    [Trait("Rule", "SEL-1")]
    public void ASY1_EventSelect_ReplacesAsyncSelect()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        var ev = new WsaEvent();
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("x"u8);

        Assert.Equal(0, window.MessageCount);
        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    [Trait("Rule", "SEL-1")]
    public void ASY1_AsyncSelect_ReplacesEventSelect_AndDropsWhatItRecorded()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close).ThrowIfFailed();
        peer.Write("x"u8);

        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Close).ThrowIfFailed();
        peer.Close();
        Assert.Equal(1, h.Runtime.Receive(s, new byte[16]).Value); // FD_CLOSE comes once the data is read

        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s).Value.Events);
        Assert.Equal([NetworkEvents.Close], window.Messages.Select(m => m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_NoEvents_CancelsTheAssociation_AndTheSocketStaysNonBlocking()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();

        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.None).ThrowIfFailed();
        peer.Write("nothing posted"u8);
        peer.Close();

        Assert.Equal(0, window.MessageCount);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.Equal(NetworkEvents.None, info.SelectedEvents);
        Assert.False(info.IsBlocking);
        Assert.True(h.Runtime.SetBlocking(s, true).IsSuccess);
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_PeerResets_PostsCloseWithConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Close).ThrowIfFailed();

        Join(Start(peer.Reset));

        var message = Assert.Single(window.Messages);
        Assert.Equal(NetworkEvents.Close, message.SelectEvent());
        Assert.Equal(WsaError.ConnectionReset, message.SelectError());
        Assert.Equal((int)WsaError.ConnectionReset, Winsock.GetSelectError(message.LParam));
    }

    [Fact]
    [Trait("Rule", "ASY-1")]
    public void ASY1_MessagesArePostedWithNoProviderLockHeld()
    {
        // A table that calls back into the provider from WPUPostMessage would deadlock if the post ran under the lock.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        var table = Substitute.For<IUpcalls>();
        int socketsSeen = -1;
        table.PostMessage(null!, 0, 0, 0).ReturnsForAnyArgs(call =>
        {
            socketsSeen = RunBounded(() => h.Runtime.Sockets.Count, "a provider call from another thread during WPUPostMessage");
            return h.ProcessUpcalls.PostMessage(call.ArgAt<SimulatedWindow>(0), call.ArgAt<int>(1), call.ArgAt<nuint>(2), call.ArgAt<nint>(3));
        });
        h.Startup(table);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        RunBounded(() => peer.Write("x"u8), "a peer write whose message calls back into the provider");

        Assert.Equal(1, socketsSeen);
        Assert.Equal(1, window.MessageCount);
    }

    // ---- ASY-2: one message per event until the re-enabling call ----

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_Read_IsPostedOnceUntilAReceive_ThenAgainWhileDataRemains()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        peer.Write("01234"u8);
        peer.Write("56789"u8);
        Assert.Equal(1, window.MessageCount);

        Assert.Equal(4, h.Runtime.Receive(s, new byte[4]).Value);
        Assert.Equal(2, window.MessageCount); // re-enabled, and data remains

        Assert.Equal(6, h.Runtime.Receive(s, new byte[16]).Value);
        Assert.Equal(2, window.MessageCount); // re-enabled, nothing remains

        peer.Write("more"u8);
        Assert.Equal(3, window.MessageCount);
        Assert.All(window.Messages, m => Assert.Equal(NetworkEvents.Read, m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_AReceiveThatWouldBlock_ReenablesRead()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("a"u8);
        Assert.Equal(1, h.Runtime.Receive(s, new byte[4]).Value);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Receive(s, new byte[4]).Error);

        peer.Write("b"u8);

        Assert.Equal(2, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    [Trait("Rule", "OVL-9")]
    public void ASY2_Write_IsPostedAgainOnlyAfterASendThatWouldHaveBlockedFindsRoom()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Write).ThrowIfFailed();
        Assert.Equal(1, window.MessageCount); // room already: posted at once

        Assert.Equal(2, h.Runtime.Send(s, "ab"u8.ToArray()).Value);
        peer.ReadAvailable();
        Assert.Equal(1, window.MessageCount); // that send fitted: nothing to re-enable

        Assert.Equal(4, h.Runtime.Send(s, "cdef"u8.ToArray()).Value);
        Assert.Equal(WsaError.WouldBlock, h.Runtime.Send(s, "g"u8.ToArray()).Error);
        Assert.Equal(1, window.MessageCount);

        Join(Start(() => peer.ReadAvailable()));

        Assert.Equal(2, window.MessageCount);
        Assert.All(window.Messages, m => Assert.Equal(NetworkEvents.Write, m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_Accept_IsPostedOnceUntilAnAccept_ThenAgainWhileConnectionsWait()
    {
        using var h = new ProviderHarness();
        var listener = h.Listen();
        var endPoint = h.Runtime.GetSockName(listener).Value;
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(listener, window, WmSocket, NetworkEvents.Accept).ThrowIfFailed();

        h.Runtime.Connect(h.NewSocket(), endPoint).ThrowIfFailed();
        h.Runtime.Connect(h.NewSocket(), endPoint).ThrowIfFailed();
        Assert.Equal(1, window.MessageCount);

        Assert.True(h.Runtime.Accept(listener).IsSuccess);
        Assert.Equal(2, window.MessageCount); // one connection still waits

        Assert.True(h.Runtime.Accept(listener).IsSuccess);
        Assert.Equal(2, window.MessageCount);

        h.Runtime.Connect(h.NewSocket(), endPoint).ThrowIfFailed();
        Assert.Equal(3, window.MessageCount);
        Assert.All(window.Messages, m => Assert.Equal(new WindowMessage(WmSocket, listener.Value, Winsock.MakeSelectReply((int)NetworkEvents.Accept, 0)), m));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_SelectedBeforeConnect_PostsConnectThenWrite_Once()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Connect | NetworkEvents.Write | NetworkEvents.Read).ThrowIfFailed();
        Assert.Equal(0, window.MessageCount);

        Assert.Equal(WsaError.WouldBlock, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
        Assert.NotNull(h.Listener.Accept());

        Assert.Equal([NetworkEvents.Connect, NetworkEvents.Write], window.Messages.Select(m => m.SelectEvent()));
        Assert.All(window.Messages, m => Assert.Equal(WsaError.Success, m.SelectError()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_Close_IsPostedOnce()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Close | NetworkEvents.Read).ThrowIfFailed();

        peer.Close();
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        peer.Reset();

        Assert.Equal([NetworkEvents.Close], window.Messages.Select(m => m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_PeerClosesAfterData_ReadFirst_CloseOnceTheDataIsRead()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("tail"u8);
        peer.Close();
        Assert.Equal([NetworkEvents.Read], window.Messages.Select(m => m.SelectEvent()));

        Assert.Equal(4, h.Runtime.Receive(s, new byte[8]).Value);

        Assert.Equal([NetworkEvents.Read, NetworkEvents.Close], window.Messages.Select(m => m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_ConditionsAlreadyTrue_ArePostedAtOnce()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("early"u8);
        var listener = h.Listen();
        h.Runtime.Connect(h.NewSocket(), h.Runtime.GetSockName(listener).Value).ThrowIfFailed();
        var window = new SimulatedWindow(h.Process);

        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Write | NetworkEvents.Close).ThrowIfFailed();
        h.Runtime.AsyncSelect(listener, window, WmSocket, NetworkEvents.Accept).ThrowIfFailed();

        Assert.Equal(
            [(s.Value, NetworkEvents.Read), (s.Value, NetworkEvents.Write), (listener.Value, NetworkEvents.Accept)],
            window.Messages.Select(m => (m.WParam, m.SelectEvent())));

        // A close that is already true is posted at once too, by the next WSPAsyncSelect.
        Assert.Equal(5, h.Runtime.Receive(s, new byte[8]).Value);
        peer.Close();
        var closed = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, closed, WmSocket, NetworkEvents.Close).ThrowIfFailed();
        Assert.Equal([NetworkEvents.Close], closed.Messages.Select(m => m.SelectEvent()));
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_ASecondAsyncSelect_ReenablesEverything_AndPostsWhatIsTrue()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("x"u8);
        peer.Write("y"u8);
        Assert.Equal(1, window.MessageCount);

        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).ThrowIfFailed();

        Assert.Equal(2, window.MessageCount);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void ASY2_MessageLoop_DrainsTheSocketMessageByMessage()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var window = new SimulatedWindow(h.Process);
        h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("hello world"u8);
        peer.Close();
        var received = new List<byte>();
        var seen = new List<NetworkEvents>();

        // The classic loop: each FD_READ gets one recv of at most 4 bytes; FD_CLOSE ends it.
        while (window.PeekMessage(out var message))
        {
            seen.Add(message.SelectEvent());
            if (message.SelectEvent() == NetworkEvents.Read)
            {
                var buffer = new byte[4];
                int n = h.Runtime.Receive(s, buffer).Value;
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }

        Assert.Equal("hello world"u8.ToArray(), received);
        Assert.Equal([NetworkEvents.Read, NetworkEvents.Read, NetworkEvents.Read, NetworkEvents.Close], seen);
    }

    /// <summary>Creates a window on a thread that then ends: the window is no longer valid.</summary>
    internal static SimulatedWindow WindowOfEndedThread(SimulatedProcess process)
    {
        SimulatedWindow? window = null;
        var thread = new Thread(() => window = new SimulatedWindow(process));
        thread.Start();
        Assert.True(thread.Join(WaitLimit), "the thread that creates the window did not end");
        return window!;
    }
}
