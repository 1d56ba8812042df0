using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Operations;

/// <summary>Unit tests of <see cref="WsaOverlapped"/>: its status through the life of an operation.</summary>
public sealed class WsaOverlappedTests
{
    [Fact]
    public void New_IsIdleWithNothingTransferred()
    {
        var ev = new WsaEvent();

        var ov = new WsaOverlapped(ev);

        Assert.Same(ev, ov.Event);
        Assert.Equal(OperationStatus.Idle, ov.Status);
        Assert.False(ov.IsPending);
        Assert.False(ov.IsCompleted);
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(SocketFlags.None, ov.Flags);
        Assert.Null(new WsaOverlapped().Event);
    }

    [Fact]
    public void UserStateAndEvent_AreTheCallersToSet()
    {
        var ov = new WsaOverlapped();
        var ev = new WsaEvent();

        ov.UserState = "connection 7";
        ov.Event = ev;

        Assert.Equal("connection 7", ov.UserState);
        Assert.Same(ev, ov.Event);
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void Status_ReadsPendingThenCompleted()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();

        h.Runtime.Receive(s, new byte[8], ov);
        var pending = (ov.Status, ov.IsPending, ov.IsCompleted, ov.Error);
        peer.Write("abc"u8);
        var done = (ov.Status, ov.IsPending, ov.IsCompleted, ov.Error);

        Assert.Equal((OperationStatus.Pending, true, false, WsaError.IOPending), pending);
        Assert.Equal((OperationStatus.Completed, false, true, WsaError.Success), done);
        Assert.Equal(3, ov.BytesTransferred);
    }

    [Fact]
    public void Status_ReadsFailedAfterAReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        h.Runtime.Receive(s, new byte[8], ov);

        peer.Reset();

        Assert.Equal((OperationStatus.Failed, true, WsaError.ConnectionReset), (ov.Status, ov.IsCompleted, ov.Error));
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void Status_ReadsAbortedAfterAClose()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();
        var ov = new WsaOverlapped();
        h.Runtime.Receive(s, new byte[8], ov);

        h.Runtime.CloseSocket(s).ThrowIfFailed();

        Assert.Equal((OperationStatus.Aborted, true, WsaError.OperationAborted, 0), (ov.Status, ov.IsCompleted, ov.Error, ov.BytesTransferred));
    }

    [Fact]
    public void ToString_ShowsStatusErrorSymbolAndBytes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        h.Runtime.Receive(s, new byte[8], ov);

        string pending = ov.ToString();
        peer.Write("abcd"u8);
        string done = ov.ToString();

        Assert.Contains("WSA_IO_PENDING", pending, StringComparison.Ordinal);
        Assert.Contains("Completed", done, StringComparison.Ordinal);
        Assert.Contains("bytes=4", done, StringComparison.Ordinal);
    }

    [Fact]
    public void OneObject_CarriesSuccessiveOperations()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        var sizes = new List<int>();

        for (int i = 1; i <= 5; i++)
        {
            ov.Event!.Reset();
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[16], ov).Error);
            peer.Write(new byte[i]);
            Assert.True(ov.Event.IsSet);
            sizes.Add(ov.BytesTransferred);
        }

        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, sizes.ToArray());
        Assert.Equal(5, ov.Event!.SetCount);
    }

    [Fact]
    public void WsaEvent_CountsEverySetFromReset()
    {
        var ev = new WsaEvent();

        ev.Set();
        ev.Set();
        ev.Reset();
        ev.Set();

        Assert.True(ev.IsSet);
        Assert.Equal(2, ev.SetCount);
        Assert.True(ev.Wait(TimeSpan.Zero));
        Assert.True(new WsaEvent(initialState: true).IsSet);
        Assert.False(new WsaEvent().Wait(TimeSpan.Zero));
    }
}
