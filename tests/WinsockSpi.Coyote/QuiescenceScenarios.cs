using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Operations;

namespace WinsockSpi.Coyote;

/// <summary>
/// Teardown quiescence (CLN-13, CLN-8, SEL-2): when a final cleanup or a close returns, every notification decided
/// before or during it, on any thread, has been delivered, and none comes later. Each scenario races a peer write,
/// whose completions are decided and delivered on the peer's thread, with a teardown on another thread.
/// </summary>
public static class QuiescenceScenarios
{
    /// <summary>
    /// Issue 9, defect 5: two pending 1-byte receives, the peer writes "12" while another thread runs the final cleanup.
    /// When the cleanup returns, no operation may still read pending and no notification may come afterwards.
    /// </summary>
    [Test]
    public static async Task Cln13_FinalCleanupVersusPeerWrite()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var first = h.PendReceive(s);
        var second = h.PendReceive(s);
        QuiescenceProbe? atReturn = null;

        var writer = Task.Run(() => peer.Write("12"u8));
        var cleaner = Task.Run(() =>
        {
            var result = h.Runtime.Cleanup();
            atReturn = QuiescenceProbe.Take(h.Upcalls, first.Event!, second.Event!);
            Check.That(result.IsSuccess, $"Cleanup failed: {result}.");
            Check.That(h.Runtime.IsUnloadReady, "CLN-8: the provider is not ready to unload when the final cleanup returns.");
            Check.NotPending(first, "the first receive", "the final cleanup");
            Check.NotPending(second, "the second receive", "the final cleanup");
        });
        await Check.All([writer, cleaner]);

        atReturn!.AssertNothingSince("the final cleanup");
        Check.EndedOnce(h.Upcalls, first, "the first receive");
        Check.EndedOnce(h.Upcalls, second, "the second receive");
        h.Runtime.ValidateInvariants();
    }

    /// <summary>
    /// The same for close (CLN-13, CLS-2): a pending receive completed by a peer write on one thread while another
    /// closes the socket. When the close returns, the receive has ended and its one notification has been made.
    /// </summary>
    [Test]
    public static async Task Cln13_CloseVersusPeerWrite()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var first = h.PendReceive(s);
        var second = h.PendReceive(s);
        QuiescenceProbe? atReturn = null;

        var writer = Task.Run(() => peer.Write("12"u8));
        var closer = Task.Run(() =>
        {
            var result = h.Runtime.CloseSocket(s);
            atReturn = QuiescenceProbe.Take(h.Upcalls, first.Event!, second.Event!);
            Check.That(result.IsSuccess, $"Close failed: {result}.");
            Check.NotPending(first, "the first receive", "close");
            Check.NotPending(second, "the second receive", "close");
            Check.That(h.Upcalls.NotificationsOf(first) == 1 && h.Upcalls.NotificationsOf(second) == 1, "CLS-2: close returned before both receives were notified.");
        });
        await Check.All([writer, closer]);

        atReturn!.AssertNothingSince("close");
        Check.EndedOnce(h.Upcalls, first, "the first receive");
        Check.EndedOnce(h.Upcalls, second, "the second receive");
        Check.That(h.Runtime.Cleanup().IsSuccess, "The final cleanup failed.");
        h.Runtime.ValidateInvariants();
    }

    /// <summary>
    /// SEL-2 with CLN-13: an FD_READ recorded by a peer write on one thread while another closes the socket. Once the
    /// close has returned, the event-select event is never set again.
    /// </summary>
    [Test]
    public static async Task Sel2_CloseVersusPeerWriteRecordingFdRead()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        Check.That(h.Runtime.EventSelect(s, ev, NetworkEvents.Read).IsSuccess, "EventSelect failed.");
        QuiescenceProbe? atReturn = null;

        var writer = Task.Run(() => peer.Write("r"u8));
        var closer = Task.Run(() =>
        {
            var result = h.Runtime.CloseSocket(s);
            atReturn = QuiescenceProbe.Take(h.Upcalls, ev);
            Check.That(result.IsSuccess, $"Close failed: {result}.");
        });
        await Check.All([writer, closer]);

        atReturn!.AssertNothingSince("close");
        Check.That(ev.SetCount <= 1, $"SEL-1: FD_READ signalled {ev.SetCount} times for one write.");
        Check.That(h.Runtime.Cleanup().IsSuccess, "The final cleanup failed.");
        h.Runtime.ValidateInvariants();
    }

    /// <summary>
    /// SEL-2 with CLN-9 and CLN-13: the same FD_READ race against the final cleanup instead of a close.
    /// </summary>
    [Test]
    public static async Task Sel2_FinalCleanupVersusPeerWriteRecordingFdRead()
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var ev = new WsaEvent();
        Check.That(h.Runtime.EventSelect(s, ev, NetworkEvents.Read).IsSuccess, "EventSelect failed.");
        QuiescenceProbe? atReturn = null;

        var writer = Task.Run(() => peer.Write("r"u8));
        var cleaner = Task.Run(() =>
        {
            var result = h.Runtime.Cleanup();
            atReturn = QuiescenceProbe.Take(h.Upcalls, ev);
            Check.That(result.IsSuccess, $"Cleanup failed: {result}.");
            Check.That(h.Runtime.IsUnloadReady, "CLN-8: the provider is not ready to unload when the final cleanup returns.");
        });
        await Check.All([writer, cleaner]);

        atReturn!.AssertNothingSince("the final cleanup");
        h.Runtime.ValidateInvariants();
    }
}
