using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// Scripted peers: every test here runs its blocking client calls on the test thread alone; the script answers inside
/// the client's own calls, so no second thread and no wait is needed.
/// </summary>
public sealed class ScriptedPeerTests
{
    [Fact]
    public void Script_ExpectReplyClose_AnswersABlockingClientOnTheTestThread()
    {
        using var h = new ProviderHarness();
        var (s, run) = h.Connect(new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close());

        Assert.Equal(4, h.Runtime.Send(s, "PING"u8.ToArray()).Value);
        var buffer = new byte[16];
        int n = h.Runtime.Receive(s, buffer).Value;

        Assert.Equal("PONG", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(0, h.Runtime.Receive(s, buffer).Value); // the script's FIN: end of stream
        Assert.Equal(ScriptedPeerStatus.Completed, run.Status);
        Assert.Equal("PING"u8.ToArray(), run.Received);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_ExpectationFails_NamesTheByteOffsetAndResetsTheClient()
    {
        var h = new ProviderHarness();
        var (s, run) = h.Connect(new PeerScript().Expect("PING"u8).Reply("PONG"u8));

        h.Runtime.Send(s, "PIXG"u8.ToArray()).ThrowIfFailed();

        Assert.Equal(ScriptedPeerStatus.Failed, run.Status);
        Assert.Contains("step 1 of 2 (Expect 4 bytes \"PING\")", run.Failure, StringComparison.Ordinal);
        Assert.Contains("sent 0x58 'X' at stream offset 2 (byte 2 of the step) where 0x4E 'N' was expected", run.Failure, StringComparison.Ordinal);
        Assert.Equal(WsaError.ConnectionReset, h.Runtime.Receive(s, new byte[4]).Error);
        var e = Assert.Throws<HarnessAssertionException>(h.AssertScriptsCompleted);
        Assert.Contains("stream offset 2", e.Message, StringComparison.Ordinal);
        var onDispose = Assert.Throws<HarnessAssertionException>(h.Dispose);
        Assert.Contains("A scripted peer's expectation failed", onDispose.Message, StringComparison.Ordinal);
        Assert.Contains("--- state ---", onDispose.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_ClientClosesBeforeTheExpectedBytes_FailsNamingTheOffset()
    {
        var h = new ProviderHarness();
        var (s, run) = h.Connect(new PeerScript().Expect("HELLO"u8));

        h.Runtime.Send(s, "HE"u8.ToArray()).ThrowIfFailed();
        h.Runtime.Shutdown(s, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal(ScriptedPeerStatus.Failed, run.Status);
        Assert.Contains("the client closed the connection at stream offset 2 while the step waited for 2 of the 5 bytes expected", run.Failure, StringComparison.Ordinal);
        Assert.Throws<HarnessAssertionException>(h.Dispose);
    }

    [Fact]
    public void Script_EachConnectionTakesTheNextScript_ThenTheBacklogTakesOver()
    {
        using var h = new ProviderHarness();
        var listener = h.AddPeerListener(new PeerScript().Reset(), PeerScript.Refuse());

        var first = h.NewSocket();
        h.Runtime.Connect(first, listener.EndPoint).ThrowIfFailed();
        var second = h.NewSocket();
        var refused = h.Runtime.Connect(second, listener.EndPoint);
        var third = h.NewSocket();
        h.Runtime.Connect(third, listener.EndPoint).ThrowIfFailed();

        Assert.Equal(WsaError.ConnectionReset, h.Runtime.Receive(first, new byte[4]).Error);
        Assert.Equal(WsaError.ConnectionRefused, refused.Error);
        Assert.Equal([ScriptedPeerStatus.Completed, ScriptedPeerStatus.Refused], listener.ScriptedPeers.Select(p => p.Status));
        Assert.Equal(1, listener.PendingCount); // the third connection waits for Accept, as without scripts
        listener.Accept().Write("x"u8);
        Assert.Equal(1, h.Runtime.Receive(third, new byte[4]).Value);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_ReplyLargerThanTheBuffer_IsSentAsTheClientReads()
    {
        using var h = new ProviderHarness(peerSendBufferSize: 4);
        var reply = HarnessData.Pattern(10);
        var (s, run) = h.Connect(new PeerScript().Reply(reply).Close());

        Assert.Equal(ScriptedPeerStatus.Waiting, run.Status);
        var received = new List<byte>();
        var buffer = new byte[16];
        for (int n; (n = h.Runtime.Receive(s, buffer).Value) > 0;)
        {
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(reply, received);
        Assert.Equal(ScriptedPeerStatus.Completed, run.Status);
    }

    [Fact]
    public void Script_Stall_LeavesTheConnectionToTheTest()
    {
        using var h = new ProviderHarness();
        var (s, run) = h.Connect(new PeerScript().Read(2).Stall().Reply("never"u8));

        h.Runtime.Send(s, "abcd"u8.ToArray()).ThrowIfFailed();
        var pending = h.PendReceive(s);

        Assert.Equal(ScriptedPeerStatus.Stalled, run.Status);
        Assert.Equal("ab"u8.ToArray(), run.Received);
        Assert.Equal(2, run.Peer.Available);
        run.Peer.Write("ok"u8);
        Assert.True(pending.IsCompleted);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Script_ExpectClose_PassesOnTheClientsFin()
    {
        using var h = new ProviderHarness();
        var (s, run) = h.Connect(new PeerScript().Expect("bye"u8).ExpectClose().Close());

        h.Runtime.Send(s, "bye"u8.ToArray()).ThrowIfFailed();
        Assert.Equal(ScriptedPeerStatus.Waiting, run.Status);
        h.Runtime.Shutdown(s, SocketShutdown.Send).ThrowIfFailed();

        Assert.Equal(ScriptedPeerStatus.Completed, run.Status);
        Assert.Equal(0, h.Runtime.Receive(s, new byte[4]).Value);
    }

    [Fact]
    public void Script_NeverTaken_FailsAssertScriptsCompleted()
    {
        using var h = new ProviderHarness();
        h.AddPeerListener(new PeerScript().Expect("x"u8));

        var e = Assert.Throws<HarnessAssertionException>(h.AssertScriptsCompleted);

        Assert.Contains("1 scripts were never taken by a connection", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_ExpectAMegabyteThroughASmallBuffer_ABlockingSendCompletesOnTheTestThread()
    {
        using var h = new ProviderHarness(sendBufferSize: 4096);
        var data = HarnessData.Pattern(1024 * 1024, seed: 7);
        var (s, run) = h.Connect(new PeerScript().Expect(data).Reply("ok"u8));

        var sent = h.Runtime.Send(s, data); // each chunk the buffer takes is read by the script inside this call

        Assert.Equal(data.Length, sent.Value);
        Assert.Equal(ScriptedPeerStatus.Completed, run.Status);
        Assert.Equal(data.Length, run.Offset);
        Assert.Equal(2, h.Runtime.Receive(s, new byte[4]).Value);
    }

    [Fact]
    public void PeerScript_RejectsEmptyStepsAndStepsAfterRefuse()
    {
        Assert.Throws<ArgumentException>(() => new PeerScript().Expect([]));
        Assert.Throws<ArgumentException>(() => new PeerScript().Reply([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerScript().Read(0));
        Assert.Throws<InvalidOperationException>(() => PeerScript.Refuse().Close());
        Assert.Equal("Expect 4 bytes \"PING\", Read 2 bytes, Reply 2 bytes 0001, Close", new PeerScript().Expect("PING"u8).Read(2).Reply([0, 1]).Close().ToString());
    }
}
