using System.Net;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 8: WSPEventSelect and WSPEnumNetworkEvents (SEL-1).</summary>
public sealed class EventSelectConformanceTests
{
    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_EventSelect_MakesTheSocketNonBlocking()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var before));
        Assert.True(before.IsBlocking);

        h.Runtime.EventSelect(s, new WsaEvent(), NetworkEvents.Read).ThrowIfFailed();

        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var after));
        Assert.False(after.IsBlocking);
        Assert.Equal(NetworkEvents.Read, after.SelectedEvents);
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Receive(s, new byte[4]), "a blocking receive that should give WouldBlock at once").Error);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_WhileSelected_SettingBlockingFailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        h.Runtime.EventSelect(s, new WsaEvent(), NetworkEvents.Read).ThrowIfFailed();

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.SetBlocking(s, true).Error);
        Assert.True(h.Runtime.SetBlocking(s, false).IsSuccess);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_PeerWrites_RecordsReadAndSetsTheEvent()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        Assert.False(ev.IsSet);

        Join(Start(() => peer.Write("data"u8)));

        Assert.True(ev.Wait(WaitLimit));
        var record = h.Runtime.EnumNetworkEvents(s, ev).Value;
        Assert.Equal(NetworkEvents.Read, record.Events);
        Assert.Equal(WsaError.Success, record.ReadError);
        Assert.Equal(4, h.Runtime.Receive(s, new byte[8]).Value);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_DataAlreadyWaiting_IsRecordedWhenSelected()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        peer.Write("early"u8);
        var ev = new WsaEvent();

        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_PartialReceive_RecordsReadAgainWhileDataRemains()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("0123456789"u8);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);

        Assert.Equal(4, h.Runtime.Receive(s, new byte[4]).Value);

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(6, h.Runtime.Receive(s, new byte[16]).Value);
        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_SelectedBeforeConnect_RecordsConnectAndWriteWhenConnected()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Connect | NetworkEvents.Write | NetworkEvents.Read).ThrowIfFailed();
        Assert.False(ev.IsSet);

        var connect = h.Runtime.Connect(s, h.Listener.EndPoint);

        Assert.Equal(WsaError.WouldBlock, connect.Error);
        Assert.True(ev.IsSet);
        var record = h.Runtime.EnumNetworkEvents(s, ev).Value;
        Assert.Equal(NetworkEvents.Connect | NetworkEvents.Write, record.Events);
        Assert.Equal(WsaError.Success, record.ConnectError);
        Assert.NotNull(h.Listener.Accept());
        Assert.Equal(3, h.Runtime.Send(s, "abc"u8.ToArray()).Value);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_SelectedAfterConnect_RecordsWriteAtOnce()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var ev = new WsaEvent();

        h.Runtime.EventSelect(s, ev, NetworkEvents.Write).ThrowIfFailed();

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    [Trait("Rule", "OVL-9")]
    public void SEL1_WriteIsRecordedAgainWhenRoomReopens()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Write).ThrowIfFailed();
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(4, h.Runtime.Send(s, "abcd"u8.ToArray()).Value);
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Send(s, "e"u8.ToArray()), "a blocking send that should give WouldBlock at once").Error);
        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);

        Join(Start(() => peer.ReadAvailable()));

        Assert.True(ev.Wait(WaitLimit));
        Assert.Equal(NetworkEvents.Write, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
        Assert.Equal(1, h.Runtime.Send(s, "e"u8.ToArray()).Value);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_SendThatFits_DoesNotRecordWriteAgain()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Write).ThrowIfFailed();
        h.Runtime.EnumNetworkEvents(s, ev).ThrowIfFailed();

        Assert.Equal(4, h.Runtime.Send(s, "abcd"u8.ToArray()).Value);
        peer.ReadAvailable();

        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_PeerCloses_RecordsCloseWithNoError()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close).ThrowIfFailed();

        peer.Close();

        Assert.True(ev.IsSet);
        var record = h.Runtime.EnumNetworkEvents(s, ev).Value;
        Assert.Equal(NetworkEvents.Close, record.Events);
        Assert.Equal(WsaError.Success, record.CloseError);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_PeerResets_RecordsCloseWithConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close | NetworkEvents.Read).ThrowIfFailed();

        Join(Start(peer.Reset));

        Assert.True(ev.Wait(WaitLimit));
        var record = h.Runtime.EnumNetworkEvents(s, ev).Value;
        Assert.Equal(NetworkEvents.Close, record.Events);
        Assert.Equal(WsaError.ConnectionReset, record.CloseError);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_PeerClosesAfterData_RecordsCloseOnceTheDataIsRead()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        peer.Write("tail"u8);
        peer.Close();
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);

        Assert.Equal(4, h.Runtime.Receive(s, new byte[8]).Value);

        Assert.True(ev.IsSet);
        var record = h.Runtime.EnumNetworkEvents(s, ev).Value;
        Assert.Equal(NetworkEvents.Close, record.Events);
        Assert.Equal(WsaError.Success, record.CloseError);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_CloseIsRecordedOnlyOnce()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close).ThrowIfFailed();
        peer.Close();
        Assert.Equal(NetworkEvents.Close, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);

        Assert.Equal(0, h.Runtime.Receive(s, new byte[8]).Value);
        peer.Reset();

        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_ListeningSocket_RecordsAcceptWhenAConnectionArrives()
    {
        using var h = new ProviderHarness();
        var listener = h.NewSocket();
        h.Runtime.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        h.Runtime.Listen(listener, 5).ThrowIfFailed();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(listener, ev, NetworkEvents.Accept).ThrowIfFailed();
        Assert.False(ev.IsSet);
        Assert.Equal(WsaError.WouldBlock, RunBounded(() => h.Runtime.Accept(listener), "a blocking accept that should give WouldBlock at once").Error);

        var client = h.NewSocket();
        Join(Start(() => h.Runtime.Connect(client, h.Runtime.GetSockName(listener).Value).ThrowIfFailed()));

        Assert.True(ev.Wait(WaitLimit));
        var record = h.Runtime.EnumNetworkEvents(listener, ev).Value;
        Assert.Equal(NetworkEvents.Accept, record.Events);
        Assert.Equal(WsaError.Success, record.AcceptError);
        Assert.True(h.Runtime.Accept(listener).IsSuccess);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_ListeningSocketWithWaitingConnection_RecordsAcceptWhenSelected()
    {
        using var h = new ProviderHarness();
        var listener = h.NewSocket();
        h.Runtime.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        h.Runtime.Listen(listener, 5).ThrowIfFailed();
        h.Runtime.Connect(h.NewSocket(), h.Runtime.GetSockName(listener).Value).ThrowIfFailed();
        var ev = new WsaEvent();

        h.Runtime.EventSelect(listener, ev, NetworkEvents.Accept).ThrowIfFailed();

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Accept, h.Runtime.EnumNetworkEvents(listener, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_NewCall_ReplacesTheOldAssociation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaEvent();
        var second = new WsaEvent();
        h.Runtime.EventSelect(s, first, NetworkEvents.Read).ThrowIfFailed();

        h.Runtime.EventSelect(s, second, NetworkEvents.Close).ThrowIfFailed();
        peer.Write("ignored"u8);

        Assert.False(first.IsSet);
        Assert.False(second.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s).Value.Events);

        peer.Close();
        h.Runtime.Receive(s, new byte[16]).ThrowIfFailed();
        h.Runtime.Receive(s, new byte[16]).ThrowIfFailed();

        Assert.False(first.IsSet);
        Assert.True(second.IsSet);
        Assert.Equal(NetworkEvents.Close, h.Runtime.EnumNetworkEvents(s, second).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_NewCall_DropsEventsRecordedUnderTheOldAssociation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close).ThrowIfFailed();
        peer.Close();

        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();

        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_ZeroMask_RemovesTheAssociation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();

        h.Runtime.EventSelect(s, null, NetworkEvents.None).ThrowIfFailed();
        peer.Write("nothing recorded"u8);
        peer.Close();

        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s).Value.Events);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.Equal(NetworkEvents.None, info.SelectedEvents);
        Assert.False(info.IsBlocking);
        Assert.True(h.Runtime.SetBlocking(s, true).IsSuccess);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_EnumNetworkEvents_ClearsTheRecordAndResetsTheEvent()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("x"u8);
        Assert.True(ev.IsSet);

        var first = h.Runtime.EnumNetworkEvents(s, ev).Value;
        var second = h.Runtime.EnumNetworkEvents(s, ev).Value;

        Assert.Equal(NetworkEvents.Read, first.Events);
        Assert.Equal(NetworkEvents.None, second.Events);
        Assert.False(ev.IsSet);
        Assert.Equal(1, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_EnumNetworkEventsWithoutEvent_ClearsTheRecordButLeavesTheEventSet()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Read).ThrowIfFailed();
        peer.Write("x"u8);

        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s).Value.Events);

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s).Value.Events);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void SEL1_EventsOutsideTheMask_AreNotRecorded()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        h.Runtime.EventSelect(s, ev, NetworkEvents.Close).ThrowIfFailed();

        peer.Write("data"u8);

        Assert.False(ev.IsSet);
        Assert.Equal(NetworkEvents.None, h.Runtime.EnumNetworkEvents(s, ev).Value.Events);
    }

    [Fact]
    public void EventSelect_InvalidArguments_AreRejectedAndLeaveTheSocketBlocking()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.EventSelect(s, null, NetworkEvents.Read).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.EventSelect(s, new WsaEvent(), (NetworkEvents)0x4000).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.EventSelect(new SocketHandle(0x77), new WsaEvent(), NetworkEvents.Read).Error);
        Assert.Equal(WsaError.NotSocket, h.Runtime.EnumNetworkEvents(new SocketHandle(0x77)).Error);
        Assert.True(h.Runtime.Sockets.TryGetInfo(s, out var info));
        Assert.True(info.IsBlocking);
    }
}
