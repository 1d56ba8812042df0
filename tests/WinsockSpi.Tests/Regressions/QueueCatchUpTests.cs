using System.Collections.Concurrent;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Regressions;

/// <summary>
/// A send, receive or DisconnectEx posted behind queued operations while a peer's step has reached the connection but
/// not yet the socket (its signal deferred: the step was made from user code running inside another socket's
/// notification, on the thread that delivers it). The new operation must see the step as one posted after the signal
/// would: the queue catches up first. Before, it was decided against the stale queue and pended; the linearizability
/// suite found the same window between two threads (a peer's FIN visible to the peer's own write, a receive posted
/// after that pending).
/// Each test drives the window deterministically: socket x's completion runs the test's code on the peer's writing
/// thread, where the signals of y's peer are deferred until that delivery returns.
/// </summary>
public sealed class QueueCatchUpTests
{
    [Fact]
    [Trait("Rule", "OVL-5")]
    [Trait("Rule", "OVL-8")]
    public void OVL8_ReceivePostedBehindAQueuedReceiveAfterThePeersFin_CompletesAtOnceWithZeroBytes()
    {
        using var h = new ProviderHarness();
        var (y, peerY) = h.Connect();
        SpiResult<int> inside = default;
        int writtenAfterClose = -1;
        bool queuedDoneAfterClose = true;
        var window = new Window(h, w =>
        {
            peerY.Close();
            writtenAfterClose = peerY.Write("late"u8); // the connection has the FIN
            queuedDoneAfterClose = w.Queued.Event!.IsSet; // y has not seen it: its signal waits for this delivery
            inside = h.Runtime.Receive(y, new byte[3], w.Posted);
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(y, new byte[6], window.Queued).Error);

        window.Open();

        Assert.Equal(0, writtenAfterClose);
        Assert.False(queuedDoneAfterClose);
        Assert.True(inside.IsSuccess, $"the receive posted after the FIN got {inside.Error}");
        Assert.Equal(0, inside.Value);
        Assert.Equal((OperationStatus.Completed, WsaError.Success, 0), (window.Queued.Status, window.Queued.Error, window.Queued.BytesTransferred));
        Assert.Equal((OperationStatus.Completed, WsaError.Success, 0), (window.Posted.Status, window.Posted.Error, window.Posted.BytesTransferred));
        Assert.Equal(["queued", "posted"], window.Notified); // OVL-5 order, each once
        window.End();
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    [Trait("Rule", "OVL-1")]
    public void OVL5_ReceivePostedBehindAQueuedReceiveAfterThePeerWrote_TakesTheRestAtOnce()
    {
        using var h = new ProviderHarness();
        var (y, peerY) = h.Connect();
        var buffer = new byte[3];
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            Assert.Equal(5, peerY.Write("abcde"u8));
            deferred = !w.Queued.Event!.IsSet; // y has not seen the data yet
            inside = h.Runtime.Receive(y, buffer, w.Posted);
        });
        var first = new byte[2];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(y, first, window.Queued).Error);

        window.Open();

        Assert.True(deferred, "the peer's signal reached y before the receive was posted");
        Assert.True(inside.IsSuccess, $"the receive posted after the peer wrote got {inside.Error}");
        Assert.Equal(3, inside.Value);
        Assert.Equal("ab"u8.ToArray(), first);
        Assert.Equal("cde"u8.ToArray(), buffer);
        Assert.Equal((OperationStatus.Completed, 2), (window.Queued.Status, window.Queued.BytesTransferred));
        Assert.Equal((OperationStatus.Completed, 3), (window.Posted.Status, window.Posted.BytesTransferred));
        Assert.Equal(["queued", "posted"], window.Notified);
        window.End();
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    [Trait("Rule", "OVL-1")]
    public void OVL9_SendPostedBehindAQueuedSendAfterThePeerMadeRoom_CompletesAtOnce()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (y, peerY) = h.Connect();
        var read = new byte[8];
        int readCount = -1;
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            readCount = peerY.Read(read); // room for 4 more
            deferred = !w.Queued.Event!.IsSet; // y has not seen the room yet
            inside = h.Runtime.Send(y, "gh"u8.ToArray(), w.Posted);
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(y, "abcdef"u8.ToArray(), window.Queued).Error); // 4 go, 2 wait

        window.Open();

        Assert.Equal(4, readCount);
        Assert.True(deferred, "the peer's signal reached y before the send was posted");
        Assert.True(inside.IsSuccess, $"the send posted after the peer made room got {inside.Error}");
        Assert.Equal(2, inside.Value);
        Assert.Equal((OperationStatus.Completed, 6), (window.Queued.Status, window.Queued.BytesTransferred));
        Assert.Equal((OperationStatus.Completed, 2), (window.Posted.Status, window.Posted.BytesTransferred));
        Assert.Equal(["queued", "posted"], window.Notified);
        Assert.Equal(4, peerY.Read(read));
        Assert.Equal("efgh"u8.ToArray(), read[..4]); // the queued send's rest went first (OVL-5 order)
        window.End();
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    [Trait("Rule", "OVL-9")]
    public void SLT2_SendWhoseQueueCatchesUp_WakesASelectWaitingForWritability()
    {
        // The catch-up does what the peer's signal does after its pump: a select waiting for y to be writable (not while
        // a send is queued) ends as soon as the catch-up completes that send, not when the deferred signal arrives.
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (y, peerY) = h.Connect();
        List<SocketHandle> write = [y];
        Task<SpiResult<int>>? selector = null;
        bool endedInsideTheWindow = false;
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            Assert.Equal(4, peerY.Read(new byte[4]));
            deferred = !w.Queued.Event!.IsSet && !selector!.IsCompleted; // neither y nor the select has seen the room yet
            inside = h.Runtime.Send(y, "g"u8.ToArray(), w.Posted); // the queued "ef" goes first, then "g": room for 1 more
            endedInsideTheWindow = selector!.Wait(TestThreads.WaitLimit, TestContext.Current.CancellationToken);
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(y, "abcdef"u8.ToArray(), window.Queued).Error);
        selector = h.StartBlocked(() => h.Runtime.Select(null, write, null, timeout: null));

        window.Open();

        Assert.True(deferred, "the peer's signal reached y before the send was posted");
        Assert.True(endedInsideTheWindow, "the select did not end before the peer's deferred signal");
        Assert.Equal(1, TestThreads.Join(selector).Value);
        Assert.Equal([y], write);
        Assert.Equal(1, inside.Value);
        Assert.Equal(["queued", "posted"], window.Notified);
        window.End();
    }

    [Theory]
    [Trait("Rule", "OVL-8")]
    [Trait("Rule", "OVL-3")]
    [InlineData(false, false)] // a receive posted behind a queued receive
    [InlineData(true, false)] // a receive on an empty receive queue: the reset alone is the step y has not seen
    [InlineData(false, true)] // a send, with a receive queued
    public void OVL8_TransferPostedAfterThePeersReset_FailsAtOnceWithConnectionReset(bool queueSend, bool postSend)
    {
        // The queued operation shows that the window is open (the reset has not failed it yet); the new call's catch-up
        // fails it and the new call is refused at once: it started nothing (OVL-3).
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (y, peerY) = h.Connect();
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            peerY.Reset();
            deferred = !w.Queued.Event!.IsSet;
            inside = postSend ? h.Runtime.Send(y, "g"u8.ToArray(), w.Posted) : h.Runtime.Receive(y, new byte[3], w.Posted);
        });
        var queuing = queueSend
            ? h.Runtime.Send(y, "abcdef"u8.ToArray(), window.Queued) // 4 go, 2 wait
            : h.Runtime.Receive(y, new byte[6], window.Queued);
        Assert.Equal(WsaError.IOPending, queuing.Error);

        window.Open();

        Assert.True(deferred, "the peer's signal reached y before the call was posted");
        Assert.Equal(WsaError.ConnectionReset, inside.Error);
        Assert.Equal((OperationStatus.Failed, WsaError.ConnectionReset), (window.Queued.Status, window.Queued.Error));
        Assert.Equal(OperationStatus.Idle, window.Posted.Status);
        Assert.False(window.Posted.Event!.IsSet);
        Assert.Equal(["queued"], window.Notified); // the queued operation's failure was made known
        window.End();
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-5")]
    public void EXT1_DisconnectExPostedBehindAQueuedSendAfterThePeerRead_CompletesAtOnceAfterIt()
    {
        // The peer's read made room for the queued send; before the catch-up the DisconnectEx pended behind it, to be
        // completed by the signal a moment later, where one posted after that signal completes at once.
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (y, peerY) = h.Connect();
        var disconnectEx = h.ExtensionFunction<DisconnectExFunction>(y, ExtensionFunctions.WSAID_DISCONNECTEX);
        Assert.Equal(4, h.Runtime.Send(y, "abcd"u8.ToArray()).Value); // the buffer is full: the next send queues (OVL-9)
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            Assert.Equal("abcd"u8.ToArray(), peerY.ReadExactly(4));
            deferred = !w.Queued.Event!.IsSet; // y has not seen the room yet
            inside = disconnectEx(y, w.Posted, 0);
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(y, "ef"u8.ToArray(), window.Queued).Error);

        window.Open();

        Assert.True(deferred, "the peer's signal reached y before the DisconnectEx was posted");
        Assert.True(inside.IsSuccess, $"the DisconnectEx posted after the peer's read got {inside.Error}");
        Assert.Equal((OperationStatus.Completed, 2), (window.Queued.Status, window.Queued.BytesTransferred));
        Assert.Equal((OperationStatus.Completed, WsaError.Success), (window.Posted.Status, window.Posted.Error));
        Assert.Equal(["queued", "posted"], window.Notified); // OVL-5 order, each once
        Assert.Equal("ef"u8.ToArray(), peerY.ReadExactly(2));
        Assert.Equal(0, peerY.Read(new byte[1])); // the FIN follows the data
        window.End();
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-3")]
    public void EXT1_DisconnectExPostedAfterThePeersReset_IsRefusedAsAfterTheSignal()
    {
        // After the reset's signal a DisconnectEx finds the socket no longer connected (WSAENOTCONN); posted inside the
        // window it used to shut a reset connection and queue behind the send the reset was about to fail.
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (y, peerY) = h.Connect();
        var disconnectEx = h.ExtensionFunction<DisconnectExFunction>(y, ExtensionFunctions.WSAID_DISCONNECTEX);
        SpiResult<int> inside = default;
        bool deferred = false;
        var window = new Window(h, w =>
        {
            peerY.Reset();
            deferred = !w.Queued.Event!.IsSet;
            inside = disconnectEx(y, w.Posted, 0);
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(y, "abcdef"u8.ToArray(), window.Queued).Error); // 4 go, 2 wait

        window.Open();

        Assert.True(deferred, "the peer's signal reached y before the DisconnectEx was posted");
        Assert.Equal(WsaError.NotConnected, inside.Error);
        Assert.Equal(WsaError.NotConnected, disconnectEx(y, new WsaOverlapped(), 0).Error); // what one posted after the signal gets
        Assert.Equal((OperationStatus.Failed, WsaError.ConnectionReset), (window.Queued.Status, window.Queued.Error));
        Assert.Equal(OperationStatus.Idle, window.Posted.Status);
        Assert.Equal(["queued"], window.Notified);
        window.End();
    }

    /// <summary>
    /// A second socket x with a receive pending, whose completion runs the test's code on the thread that writes to x's
    /// peer, inside that peer's signal: signals raised there (by y's peer) wait until the delivery returns. It holds
    /// the test's two operations on y: <see cref="Queued"/> before the window, <see cref="Posted"/> inside it.
    /// </summary>
    private sealed class Window
    {
        private readonly ProviderHarness _h;
        private readonly RemotePeer _peerX;
        private readonly WsaOverlapped _x = new(new WsaEvent());
        private readonly ConcurrentQueue<string> _notified = new();
        private bool _ran;

        /// <summary>Connects x, starts the provider once more with the completion hook, and posts x's receive.</summary>
        /// <param name="h">The harness.</param>
        /// <param name="inside">The test's code, run inside x's completion.</param>
        public Window(ProviderHarness h, Action<Window> inside)
        {
            _h = h;
            var (x, peerX) = h.Connect();
            _peerX = peerX;
            HeldDelivery.StartWithCompletionHook(
                h,
                before: completion =>
                {
                    if (completion.Overlapped == _x)
                    {
                        inside(this);
                        _ran = true;
                    }
                },
                after: completion =>
                {
                    if (completion.Overlapped != _x)
                    {
                        _notified.Enqueue(completion.Overlapped == Queued ? "queued" : completion.Overlapped == Posted ? "posted" : "?");
                    }
                });
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(x, new byte[1], _x).Error);
        }

        /// <summary>Gets y's operation queued before the window opens ("queued" in <see cref="Notified"/>).</summary>
        public WsaOverlapped Queued { get; } = new(new WsaEvent());

        /// <summary>Gets y's operation posted inside the window ("posted" in <see cref="Notified"/>).</summary>
        public WsaOverlapped Posted { get; } = new(new WsaEvent());

        /// <summary>Gets the names of y's operations made known so far, in order (x's own is not listed).</summary>
        public string[] Notified => [.. _notified];

        /// <summary>Writes to x's peer: x's receive completes on this thread, inside the peer's signal.</summary>
        public void Open()
        {
            Assert.Equal(1, _peerX.Write("!"u8));
            Assert.True(_ran, "x's completion did not run the test's code");
        }

        /// <summary>Ends the extra startup; the harness checks the invariants when it is disposed.</summary>
        public void End() => Assert.Equal(WsaError.Success, _h.Runtime.Cleanup().Error);
    }
}
