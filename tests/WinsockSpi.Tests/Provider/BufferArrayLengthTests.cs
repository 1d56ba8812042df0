using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// Arrays of buffers whose lengths add up to more than <see cref="int.MaxValue"/> on a stream socket (EXT-5): a send
/// cannot report that many bytes, so it is refused as misuse of the .NET API with an <see cref="ArgumentException"/>
/// before anything moves (it was an <see cref="OverflowException"/> from the gathering); a receive is simply larger than
/// any data, and the operation listing reports its length saturated (it threw too).
/// </summary>
public sealed class BufferArrayLengthTests
{
    [Fact]
    [Trait("Rule", "EXT-5")]
    public void SendBuffers_AddingUpToMoreThanIntMaxValue_ThrowsArgumentException_AndSendsNothing()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var huge = BufferArrays.LongerThanIntMaxValue();

        var blocking = Assert.Throws<ArgumentException>(() => h.Runtime.SendBuffers(s, huge));
        var overlapped = Assert.Throws<ArgumentException>(() => h.Runtime.SendBuffers(s, huge, new WsaOverlapped()));
        var asSendTo = Assert.Throws<ArgumentException>(() => h.Runtime.SendToBuffers(s, huge, null)); // a stream socket: a send

        Assert.All([blocking, overlapped, asSendTo], e => Assert.Equal("buffers", e.ParamName));
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal(3, h.Runtime.SendBuffers(s, new[] { new WsaBuf("abc"u8.ToArray()) }).Value); // the socket is unharmed
        Assert.Equal(3, peer.Available);
    }

    [Fact]
    [Trait("Rule", "EXT-5")]
    public void OperationsSnapshot_WithAPendingReceiveIntoMoreThanIntMaxValueBytes_ReportsTheLengthSaturated()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var huge = BufferArrays.LongerThanIntMaxValue();
        var overlapped = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveBuffers(s, huge, SocketFlags.None, overlapped).Error);

        var pending = Assert.Single(h.Runtime.Operations.Snapshot());

        Assert.Equal(int.MaxValue, pending.BytesRequested);
        peer.Write("xy"u8);
        Assert.Equal(2, overlapped.BytesTransferred);
        Assert.Equal("xy"u8.ToArray(), huge[0].Buffer.Span[..2].ToArray());
    }
}
