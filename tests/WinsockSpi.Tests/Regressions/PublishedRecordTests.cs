using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Regressions;

/// <summary>
/// Once an operation is published, its overlapped object is free, and another provider of the process, which has a lock
/// of its own, may start it (OVL-11). The record stays bound to the provider that published it until that provider's
/// lock lets it go, so the second provider's start waits for the first to leave its lock, and the first's last reads of
/// the record come before it. Each test holds the publishing thread right after the publication, still inside its
/// provider's lock, starts the object on a second provider meanwhile, then lets the first go on
/// (<see cref="SecondProvider.StartsTheObjectAsItIsPublished"/>). Before the binding, the second start ran inside that
/// moment, and each test caught a read the first provider made after its publication.
/// </summary>
public sealed class PublishedRecordTests
{
    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-11")]
    public void EXT1_DisconnectExWithReuse_ObjectStartedElsewhereAsItIsPublished_WaitsForTheFirstProvidersLock_SocketIsStillFreedForReuse()
    {
        // The DisconnectEx used to read its TF_REUSE_SOCKET flag after its publication, when the second provider's start
        // had already cleared it: the socket stayed connected (a connect gave WSAEISCONN).
        using var h = ProviderHarness.OnTheProcessTable(sendBufferSize: 8);
        var s = h.Connect(out var peer);
        using var other = new SecondProvider(h);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(16), new WsaOverlapped()).Error);
        var ov = new WsaOverlapped();
        var disconnectEx = h.ExtensionFunction<DisconnectExFunction>(s, ExtensionFunctions.WSAID_DISCONNECTEX);
        Assert.Equal(WsaError.IOPending, disconnectEx(s, ov, ExtensionFunctions.TF_REUSE_SOCKET).Error);

        // The peer's read makes room: the queued send, the FIN and the DisconnectEx end on the reader's thread.
        Assert.Equal(TestData.Pattern(16), other.StartsTheObjectAsItIsPublished(ov, () => TestData.ReadExactly(peer, 16)));

        Assert.Equal(0, peer.Read(new byte[1])); // end of stream: the FIN went before the DisconnectEx ended
        Assert.Equal(WsaError.Success, h.Runtime.Connect(s, h.Listener.EndPoint).Error); // freed for reuse (EXT-1)
        Assert.Equal(1, other.Peer.Write([7]));
        Assert.Equal((OperationStatus.Completed, 1), (ov.Status, ov.BytesTransferred));
        other.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    [Trait("Rule", "OVL-6")]
    public void OVL11_ReceiveObjectStartedElsewhereAsItIsPublished_WaitsForTheFirstProvidersLock_NamesTheNewProviderForItsWaiters()
    {
        // The publishing provider used to clear the record's owner after the publication, erasing the second provider's:
        // a waiter of the new operation then registered without that provider's lock, and could miss its wake.
        using var h = ProviderHarness.OnTheProcessTable();
        var s = h.Connect(out var peer);
        using var other = new SecondProvider(h);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);

        Assert.Equal(1, other.StartsTheObjectAsItIsPublished(ov, () => peer.Write([1]))); // the receive ends on the writer's thread

        Assert.Same(other.Runtime, ((OperationRecord)ov.Core!).Owner);
        var waiter = Start(() => other.Runtime.GetOverlappedResult(other.Socket, ov, wait: true));
        SpinUntil(() => ov.Core!.WaiterCount == 1, "the waiter to register and wait");
        Assert.Equal(1, other.Peer.Write([2]));
        Assert.Equal(1, Join(waiter, "the waiting GetOverlappedResult").Value);
        other.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-1")]
    public void EXT1_AcceptExCompletingAtOnce_ObjectStartedElsewhereAsItIsPublished_WaitsForTheFirstProvidersLock_StillReturnsItsResult()
    {
        // The call used to read the record after the end: queued again by the second provider, it looked pending, and the
        // call returned WSA_IO_PENDING for an AcceptEx that had completed at once.
        using var h = ProviderHarness.OnTheProcessTable();
        using var other = new SecondProvider(h);
        var listener = h.ListenOnFreePort(5, out var endPoint);
        Assert.True(h.Runtime.Connect(h.NewSocket(), endPoint).IsSuccess); // waits in the backlog
        var acceptSocket = h.NewSocket();
        var acceptEx = h.ExtensionFunction<AcceptExFunction>(listener, ExtensionFunctions.WSAID_ACCEPTEX);
        int area = AcceptExAddresses.MinimumLength(AddressFamily.InterNetwork);
        var primer = h.Connect(out _);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(primer, new byte[1], ov).Error);
        Assert.True(h.Runtime.CloseSocket(primer).IsSuccess);
        Assert.Equal(OperationStatus.Aborted, ov.Status); // the object has a record, and a status the AcceptEx's end changes

        var accepted = other.StartsTheObjectAsItIsPublished(ov, () => acceptEx(listener, acceptSocket, new byte[2 * area], 0, area, area, ov));

        Assert.Equal((WsaError.Success, 0), (accepted.Error, accepted.Value));
        Assert.Equal(1, other.Peer.Write([2]));
        Assert.Equal((OperationStatus.Completed, 1), (ov.Status, ov.BytesTransferred));
        Assert.True(h.Runtime.Send(acceptSocket, "x"u8.ToArray()).IsSuccess); // the accept socket is connected
        other.Runtime.Cleanup().ThrowIfFailed();
    }
}
