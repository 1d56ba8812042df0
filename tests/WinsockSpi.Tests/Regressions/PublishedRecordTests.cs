using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Regressions;

/// <summary>
/// Once an operation is published, its overlapped object is free: another provider of the process, which has a lock of
/// its own, may start it at once (OVL-11). A provider that publishes an operation under its lock (its only notification
/// is its status) must therefore not touch the record afterwards. Each test holds the publishing thread right after the
/// publication, still inside its provider's lock, starts the object on a second provider, then lets the first go on.
/// </summary>
public sealed class PublishedRecordTests
{
    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-11")]
    public void EXT1_DisconnectExWithReuse_ObjectStartedElsewhereTheMomentItIsPublished_SocketIsStillFreedForReuse()
    {
        // The DisconnectEx used to read its TF_REUSE_SOCKET flag after its publication, when the second provider's start
        // had already cleared it: the socket stayed connected (a connect gave WSAEISCONN).
        using var h = ProviderHarness.OnTheProcessTable(sendBufferSize: 8);
        var s = h.Connect(out var peer);
        using var other = SecondProvider(h, out var otherSocket, out var otherPeer);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(16), new WsaOverlapped()).Error);
        var ov = new WsaOverlapped();
        var disconnectEx = (DisconnectExFunction)h.Runtime.Ioctl(s, ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER, ExtensionFunctions.WSAID_DISCONNECTEX).ThrowIfFailed()!;
        Assert.Equal(WsaError.IOPending, disconnectEx(s, ov, ExtensionFunctions.TF_REUSE_SOCKET).Error);

        using (var hold = new PublicationHold(ov))
        {
            // The peer's read makes room: the queued send, the FIN and the DisconnectEx end on the reader's thread.
            var reader = Start(() => TestData.ReadExactly(peer, 16));
            hold.WaitForPublication();
            Assert.Equal(WsaError.IOPending, other.Receive(otherSocket, new byte[1], ov).Error);
            hold.Release();
            Assert.Equal(TestData.Pattern(16), Join(reader, "the peer's read"));
        }

        Assert.Equal(0, peer.Read(new byte[1])); // end of stream: the FIN went before the DisconnectEx ended
        Assert.Equal(WsaError.Success, h.Runtime.Connect(s, h.Listener.EndPoint).Error); // freed for reuse (EXT-1)
        Assert.Equal(1, otherPeer.Write([7]));
        Assert.Equal((OperationStatus.Completed, 1), (ov.Status, ov.BytesTransferred));
        other.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    [Trait("Rule", "OVL-6")]
    public void OVL11_ReceiveObjectStartedElsewhereTheMomentItIsPublished_NamesTheNewProviderForItsWaiters()
    {
        // The publishing provider used to clear the record's owner after the publication, erasing the second provider's:
        // a waiter of the new operation then registered without that provider's lock, and could miss its wake.
        using var h = ProviderHarness.OnTheProcessTable();
        var s = h.Connect(out var peer);
        using var other = SecondProvider(h, out var otherSocket, out var otherPeer);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);

        using (var hold = new PublicationHold(ov))
        {
            var writer = Start(() => peer.Write([1])); // the receive ends on the writer's thread
            hold.WaitForPublication();
            Assert.Equal(WsaError.IOPending, other.Receive(otherSocket, new byte[1], ov).Error);
            hold.Release();
            Assert.Equal(1, Join(writer, "the peer's write"));
        }

        Assert.Same(other, ((OperationRecord)ov.Core!).Owner);
        var waiter = Start(() => other.GetOverlappedResult(otherSocket, ov, wait: true));
        SpinUntil(() => ov.Core!.WaiterCount == 1, "the waiter to register and wait");
        Assert.Equal(1, otherPeer.Write([2]));
        Assert.Equal(1, Join(waiter, "the waiting GetOverlappedResult").Value);
        other.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "OVL-1")]
    public void EXT1_AcceptExCompletingAtOnce_ObjectStartedElsewhereTheMomentItIsPublished_StillReturnsItsResult()
    {
        // The call used to read the record after the end: queued again by the second provider, it looked pending, and the
        // call returned WSA_IO_PENDING for an AcceptEx that had completed at once.
        using var h = ProviderHarness.OnTheProcessTable();
        using var other = SecondProvider(h, out var otherSocket, out var otherPeer);
        var listener = h.ListenOnFreePort(5, out var endPoint);
        Assert.True(h.Runtime.Connect(h.NewSocket(), endPoint).IsSuccess); // waits in the backlog
        var acceptSocket = h.NewSocket();
        var acceptEx = (AcceptExFunction)h.Runtime.Ioctl(listener, ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER, ExtensionFunctions.WSAID_ACCEPTEX).ThrowIfFailed()!;
        int area = AcceptExAddresses.MinimumLength(AddressFamily.InterNetwork);
        var primer = h.Connect(out _);
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(primer, new byte[1], ov).Error);
        Assert.True(h.Runtime.CloseSocket(primer).IsSuccess);
        Assert.Equal(OperationStatus.Aborted, ov.Status); // the object has a record, and a status the AcceptEx's end changes

        SpiResult<int> accepted;
        using (var hold = new PublicationHold(ov))
        {
            var call = Start(() => acceptEx(listener, acceptSocket, new byte[2 * area], 0, area, area, ov));
            hold.WaitForPublication();
            Assert.Equal(WsaError.IOPending, other.Receive(otherSocket, new byte[1], ov).Error);
            hold.Release();
            accepted = Join(call, "the AcceptEx call");
        }

        Assert.Equal((WsaError.Success, 0), (accepted.Error, accepted.Value));
        Assert.Equal(1, otherPeer.Write([2]));
        Assert.Equal((OperationStatus.Completed, 1), (ov.Status, ov.BytesTransferred));
        Assert.True(h.Runtime.Send(acceptSocket, "x"u8.ToArray()).IsSuccess); // the accept socket is connected
        other.Cleanup().ThrowIfFailed();
    }

    /// <summary>A second provider of the harness's process, started through the process's own table, with a connected socket.</summary>
    private static ProviderRuntime SecondProvider(ProviderHarness h, out SocketHandle socket, out RemotePeer peer)
    {
        var other = new ProviderRuntime(new ProviderOptions { Process = h.Process, TimeProvider = h.Time, ProviderId = Guid.NewGuid() });
        Assert.Equal(WsaError.Success, other.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(h.Process)));
        socket = other.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        other.Connect(socket, h.Listener.EndPoint).ThrowIfFailed();
        peer = h.Listener.Accept();
        return other;
    }

    /// <summary>
    /// Holds the thread that publishes the object's operation right after the publication, inside its provider's lock: a
    /// waiter is registered on the record (as a waiting WSPGetOverlappedResult registers), so the publication wakes
    /// waiters, and the wake takes the record's monitor, which this holds until <see cref="Release"/>.
    /// </summary>
    private sealed class PublicationHold : IDisposable
    {
        private readonly WsaOverlapped _overlapped;
        private readonly OperationCore _core;
        private bool _held;

        public PublicationHold(WsaOverlapped overlapped)
        {
            _overlapped = overlapped;
            _core = overlapped.Core!;
            _core.AddWaiter();
            Monitor.Enter(_core);
            _held = true;
        }

        public void WaitForPublication()
            => SpinUntil(() => _overlapped.Status == OperationStatus.Completed, "the operation to be published (its thread is then held in the wake)");

        public void Release()
        {
            if (_held)
            {
                _held = false;
                Monitor.Exit(_core);
            }
        }

        public void Dispose()
        {
            Release();
            _core.RemoveWaiter();
        }
    }
}
