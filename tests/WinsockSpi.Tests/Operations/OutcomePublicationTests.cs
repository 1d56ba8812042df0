using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Operations;

/// <summary>
/// An operation whose ending is decided but not yet delivered still reads as pending everywhere a caller can look: the
/// gaps the mutation run found (docs/testing-reliability.md, "Mutation testing").
/// </summary>
public sealed class OutcomePublicationTests
{
    [Fact]
    [Trait("Rule", "OVL-2")]
    [Trait("Rule", "OVL-6")]
    public void OVL2_AReceiveDecidedButNotYetNotified_ReadsInProgressUntilItsNotification()
    {
        // One peer write completes two receives; while the first one's completion upcall runs, the second is decided
        // (its outcome recorded) but not published: its status, its error and GetOverlappedResult still say pending.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaOverlapped(new WsaEvent());
        var second = new WsaOverlapped(new WsaEvent());
        (OperationStatus Status, WsaError Error, bool IsPending, WsaError Result)? seen = null;
        HeldDelivery.StartWithCompletionHook(h, before: completion =>
        {
            if (completion.Overlapped == first)
            {
                seen = (second.Status, second.Error, second.IsPending, h.Runtime.GetOverlappedResult(s, second, wait: false).Error);
            }
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], second).Error);

        var writer = Start(() => peer.Write("12"u8));

        Assert.Equal(2, Join(writer));
        Assert.Equal((OperationStatus.Pending, WsaError.IOPending, true, WsaError.IOIncomplete), seen);
        Assert.Equal(OperationStatus.Completed, second.Status);
        Assert.Equal(WsaError.Success, second.Error);
        Assert.Equal(1, h.Runtime.GetOverlappedResult(s, second, wait: false).Value);
    }
}
