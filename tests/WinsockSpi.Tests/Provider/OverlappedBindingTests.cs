using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// An overlapped object's record is bound to the provider that last started it, which reserves it again with a plain
/// store; another provider of the process takes it over under the first one's lock, holding no lock of its own (OVL-11,
/// <c>ProviderRuntime.Binding.cs</c>).
/// </summary>
public sealed class OverlappedBindingTests
{
    [Fact]
    [Trait("Rule", "OVL-11")]
    public void OVL11_AnObjectUsedInTurnOnTwoProviders_IsTakenOverEachTime_AndEachOperationCompletes()
    {
        using var h = ProviderHarness.OnTheProcessTable();
        var s = h.Connect(out var peer);
        using var other = new SecondProvider(h);
        var ov = new WsaOverlapped();
        var buffer = new byte[1];

        for (byte round = 1; round <= 3; round++)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov).Error);
            Assert.Same(h.Runtime, Owner(ov));
            Assert.Equal(1, peer.Write([round]));
            Assert.Equal((OperationStatus.Completed, 1, round), (ov.Status, ov.BytesTransferred, buffer[0]));
            Assert.Same(h.Runtime, Owner(ov)); // published under the lock: still bound

            Assert.Equal(WsaError.IOPending, other.Runtime.Receive(other.Socket, buffer, ov).Error);
            Assert.Same(other.Runtime, Owner(ov));
            Assert.Equal(1, other.Peer.Write([(byte)(round + 100)]));
            Assert.Equal((OperationStatus.Completed, 1, (byte)(round + 100)), (ov.Status, ov.BytesTransferred, buffer[0]));
        }

        h.Runtime.ValidateInvariants();
        other.Runtime.ValidateInvariants();
        other.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    [Trait("Rule", "OVL-7")]
    public void OVL11_AnObjectPendingOnOneProvider_IsRefusedByAnother_AndStaysBoundToTheFirst()
    {
        using var h = ProviderHarness.OnTheProcessTable();
        var s = h.Connect(out var peer);
        using var other = new SecondProvider(h);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);

        Assert.Equal(WsaError.InvalidArgument, other.Runtime.Receive(other.Socket, new byte[1], ov).Error);

        Assert.Same(h.Runtime, Owner(ov));
        Assert.Equal(0, other.Runtime.Operations.PendingCount);
        Assert.Equal(1, peer.Write([9]));
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(WsaError.IOPending, other.Runtime.Receive(other.Socket, new byte[1], ov).Error); // free now
        other.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    public void OVL11_TwoProvidersTakingEachOthersObjectsAtOnce_DoNotDeadlock_SinceATakeOverHoldsNoLockOfItsOwn()
    {
        // Object 1 is bound to the first provider, object 2 to the second. A thread starts object 1 on the second provider
        // and is held just before it takes the first provider's lock; meanwhile object 2 is started on the first provider,
        // which takes the second provider's lock. Were the take-over made under the taker's own lock, each would wait for
        // the other's lock: the seam checks that the taker holds none before the second start could wait for it.
        using var h = ProviderHarness.OnTheProcessTable();
        var s = h.Connect(out var peer);
        using var other = new SecondProvider(h);
        var one = new WsaOverlapped();
        var two = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], one).Error);
        Assert.Equal(1, peer.Write([1]));
        Assert.Equal(WsaError.IOPending, other.Runtime.Receive(other.Socket, new byte[1], two).Error);
        Assert.Equal(1, other.Peer.Write([2]));
        Assert.Same(h.Runtime, Owner(one));
        Assert.Same(other.Runtime, Owner(two));

        using var reached = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        bool holdsItsOwnLock = true;
        h.Runtime.UnbindSeam = () =>
        {
            holdsItsOwnLock = other.Runtime.LockHeld;
            reached.Set();
            Assert.True(proceed.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the test to let the take-over go on");
        };
        try
        {
            var takeOne = Start(() => other.Runtime.Receive(other.Socket, new byte[1], one));
            Assert.True(reached.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the start of object 1 to reach the first provider's lock");
            Assert.False(holdsItsOwnLock, "the take-over holds the taker's own lock"); // checked before anything could wait for it

            var takeTwo = RunBounded(() => h.Runtime.Receive(s, new byte[1], two), "the start of object 2 on the first provider");

            Assert.Equal(WsaError.IOPending, takeTwo.Error);
            Assert.Same(h.Runtime, Owner(two));
            proceed.Set();
            Assert.Equal(WsaError.IOPending, Join(takeOne, "the start of object 1 on the second provider").Error);
            Assert.Same(other.Runtime, Owner(one));
        }
        finally
        {
            proceed.Set();
            h.Runtime.UnbindSeam = null;
        }

        Assert.Equal(1, peer.Write([3]));
        Assert.Equal(1, other.Peer.Write([4]));
        Assert.Equal((OperationStatus.Completed, OperationStatus.Completed), (one.Status, two.Status));
        other.Runtime.Cleanup().ThrowIfFailed();
    }

    private static ProviderRuntime? Owner(WsaOverlapped ov) => ((OperationRecord)ov.Core!).Owner;
}
