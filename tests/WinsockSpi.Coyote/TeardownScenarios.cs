using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Operations;

namespace WinsockSpi.Coyote;

/// <summary>
/// Every ending racing every other: a peer write completing receives, a close, the final cleanup and the end of the
/// process, each on its own thread (OVL-5, CLS-2, CLN-4, CLN-13, PRC-2). Whoever wins, each operation ends once with
/// an allowed number of notifications, and a teardown that returns success leaves nothing to be delivered later.
/// </summary>
public static class TeardownScenarios
{
    [Test]
    public static async Task CloseVersusCompletionVersusFinalCleanupVersusProcessEnd()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var other = h.Connect(out var otherPeer);
        var first = h.PendReceive(s);
        var second = h.PendReceive(s);
        var third = h.PendReceive(other);
        WsaEvent[] events = [first.Event!, second.Event!, third.Event!];
        QuiescenceProbe? afterClose = null;
        QuiescenceProbe? afterCleanup = null;

        var writer = Task.Run(() =>
        {
            peer.Write("12"u8);
            otherPeer.Write("3"u8);
        });
        var closer = Task.Run(() =>
        {
            if (h.Runtime.CloseSocket(s).IsSuccess)
            {
                afterClose = QuiescenceProbe.TakeFor(h.Upcalls, first, second);
                Check.NotPending(first, "the first receive", "close");
                Check.NotPending(second, "the second receive", "close");
            }
        });
        var cleaner = Task.Run(() =>
        {
            if (h.Runtime.Cleanup().IsSuccess)
            {
                afterCleanup = QuiescenceProbe.Take(h.Upcalls, events);
                Check.NotPending(first, "the first receive", "the final cleanup");
                Check.NotPending(second, "the second receive", "the final cleanup");
                Check.NotPending(third, "the third receive", "the final cleanup");
            }
        });
        var ender = Task.Run(h.Process.Terminate);
        await Check.All([writer, closer, cleaner, ender]);

        afterClose?.AssertNothingSince("close");
        afterCleanup?.AssertNothingSince("the final cleanup");
        foreach (var (ov, name) in new[] { (first, "the first receive"), (second, "the second receive"), (third, "the third receive") })
        {
            Check.EndedOnce(h.Upcalls, ov, name);
            if (ov.Status == OperationStatus.Completed)
            {
                Check.That(ov.BytesTransferred == 1, $"{name} completed with {ov.BytesTransferred} bytes.");
                Check.That(h.Upcalls.NotificationsOf(ov) == 1, $"OVL-5: {name} completed but was notified {h.Upcalls.NotificationsOf(ov)} times.");
            }
        }

        Check.That(h.Runtime.IsUnloadReady, "PRC-2: the provider still holds something after the process ended.");
        h.Runtime.ValidateInvariants();
    }

    /// <summary>
    /// DUP-1 with CLS-2: both handles of a duplicated socket closed at once from two threads tear it down exactly once;
    /// the pending receive is aborted and notified once. A control: it holds before issue 9's fixes, so a failure here
    /// is a regression, not the known defect 5.
    /// </summary>
    [Test]
    public static async Task Dup1_ClosingBothHandlesOfADuplicateAtOnce()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
        var ov = h.PendReceive(s);
        SpiResult first = default, second = default;

        var closerA = Task.Run(() => first = h.Runtime.CloseSocket(s));
        var closerB = Task.Run(() => second = h.Runtime.CloseSocket(dup));
        await Check.All([closerA, closerB]);

        Check.That(first.IsSuccess && second.IsSuccess, $"A close failed: {first}, {second}.");
        Check.That(ov.Status == OperationStatus.Aborted, $"CLS-2: the receive ended as {ov.Status}.");
        Check.That(h.Upcalls.NotificationsOf(ov) == 1 && ov.Event!.SetCount == 1, "CLS-2: the aborted receive was not notified exactly once.");
        Check.That(peer.State == Network.PeerState.FinReceived, $"CLS-1: the peer sees {peer.State}.");
        Check.That(h.Runtime.Sockets.Count == 0, "DUP-1: a handle survived.");
        h.Runtime.ValidateInvariants();
    }
}
