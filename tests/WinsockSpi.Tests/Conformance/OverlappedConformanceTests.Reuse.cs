using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

public sealed partial class OverlappedConformanceTests
{
    [Fact]
    public void GetOverlappedResult_OfAnOverlappedNeverUsed_ReturnsInvalidArgument()
    {
        using var h = new ProviderHarness();
        var (s, _) = h.Connect();

        Assert.Equal(WsaError.InvalidArgument, RunBounded(() => h.Runtime.GetOverlappedResult(s, new WsaOverlapped(), wait: true), "GetOverlappedResult(wait: true) of an overlapped never used").Error);
    }

    // ---------------------------------------------------------------- OVL-7

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseWhileReceivePending_FailsWithInvalidArgumentAndKeepsTheFirstOperation()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        var first = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, first, ov).Error);

        var again = h.Runtime.Receive(s, new byte[8], ov);

        Assert.Equal(WsaError.InvalidArgument, again.Error);
        Assert.Equal(1, h.Runtime.Operations.PendingCount);
        peer.Write("one"u8);
        Assert.Equal(3, ov.BytesTransferred);
        Assert.Equal("one"u8.ToArray(), first[..3]);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseForSendWhileReceivePending_FailsWithInvalidArgumentAndSendsNothing()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        var r = h.Runtime.Send(s, "nope"u8.ToArray(), ov);

        Assert.Equal(WsaError.InvalidArgument, r.Error);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseWhileSendPending_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness(sendBufferSize: 2);
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, "abcd"u8.ToArray(), ov).Error);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Send(s, "ef"u8.ToArray(), ov).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Receive(s, new byte[2], ov).Error);

        var got = new byte[4];
        Assert.Equal(2, peer.Read(got));
        Assert.Equal(2, peer.Read(got.AsSpan(2)));
        Assert.Equal("abcd"u8.ToArray(), got);
        Assert.Equal(4, ov.BytesTransferred);
        Assert.Equal(0, peer.Available);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseAfterCompletion_IsAllowed()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        peer.Write("a"u8);
        ov.Event!.Reset();

        var r = h.Runtime.Receive(s, new byte[8], ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        peer.Write("bc"u8);
        Assert.Equal(2, ov.BytesTransferred);
        Assert.Equal(2, ov.Event.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    public void OVL7_ReuseFromInsideItsCompletionRoutine_IsAllowed()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        var results = new List<WsaError>();
        CompletionRoutine? routine = null;
        routine = (_, _, o, _) => results.Add(h.Runtime.Receive(s, new byte[8], o, routine).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov, routine).Error);

        peer.Write("a"u8);
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));

        Assert.Equal(new[] { WsaError.IOPending }, results.ToArray());
        Assert.Equal(OperationStatus.Pending, ov.Status);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    [Trait("Rule", "EXT-1")]
    [Trait("Rule", "DGM-1")]
    public void OVL7_OneObjectReusedAcrossOperationKinds_EachOperationStartsFromACleanRecord()
    {
        // Each operation ends clearing what it set (buffers, source address, accept socket, queue links) and the next
        // start writes only the rest; Debug builds assert the clean record at every start (OperationRecord.Begin).
        using var h = new ProviderHarness(sendBufferSize: 4);
        var ov = new WsaOverlapped(new WsaEvent());

        // A datagram receive with a source address, pending until a message arrives.
        using var datagramPeer = Datagrams.Peer(h);
        var datagramSocket = Datagrams.Bound(h, out var address);
        var from = new SourceAddress();
        var datagram = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(datagramSocket, datagram, from, ov).Error);
        Assert.True(datagramPeer.SendTo("dg"u8, address));
        Assert.Equal((OperationStatus.Completed, 2), (ov.Status, ov.BytesTransferred));
        Assert.Equal(datagramPeer.LocalEndPoint, from.EndPoint);

        // An AcceptEx, pending until a connection arrives.
        var listener = h.ListenOnFreePort(5, out var endPoint);
        var accept = h.NewSocket();
        var acceptEx = h.ExtensionFunction<AcceptExFunction>(listener, ExtensionFunctions.WSAID_ACCEPTEX);
        Assert.Equal(WsaError.IOPending, acceptEx(listener, accept, new byte[64], 0, 32, 32, ov).Error);
        var client = h.NewSocket();
        Assert.True(h.Runtime.Connect(client, endPoint).IsSuccess);
        Assert.Equal((OperationStatus.Completed, 0), (ov.Status, ov.BytesTransferred));

        // A send that pends on the full 4-byte buffer and completes as the other side reads.
        Assert.Equal(4, h.Runtime.Send(accept, "full"u8.ToArray()).Value);
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(accept, "xy"u8.ToArray(), ov).Error);
        var read = new byte[8];
        Assert.Equal(4, h.Runtime.Receive(client, read).Value);
        Assert.Equal((OperationStatus.Completed, 2), (ov.Status, ov.BytesTransferred));
        Assert.Equal(2, h.Runtime.Receive(client, read).Value);
        Assert.Equal("xy"u8.ToArray(), read[..2]);

        // A receive aborted by the close of its socket, then a receive on another socket that completes with its own bytes.
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(accept, new byte[8], ov).Error);
        Assert.True(h.Runtime.CloseSocket(accept).IsSuccess);
        Assert.Equal((OperationStatus.Aborted, WsaError.OperationAborted), (ov.Status, ov.Error));
        var (s, peer) = h.Connect();
        var last = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, last, ov).Error);
        Assert.Equal(1, h.Runtime.Operations.PendingCount);
        peer.Write("end"u8);
        Assert.Equal((OperationStatus.Completed, 3), (ov.Status, ov.BytesTransferred));
        Assert.Equal("end"u8.ToArray(), last[..3]);
        Assert.Equal(datagramPeer.LocalEndPoint, from.EndPoint); // the datagram's source and buffer were not written again
        Assert.Equal("dg"u8.ToArray(), datagram[..2]);
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    [Trait("Rule", "EXT-3")]
    public void OVL7_ObjectReusedBetweenSocketsWithAndWithoutPort_EachCompletionGoesWhereItsSocketSays()
    {
        // The port and key an operation ends with live beside the record, made at the first operation that needs them
        // and cleared at every start: a reused object must not carry them to a socket without a port.
        using var h = new ProviderHarness();
        var (withPort, portPeer) = h.Connect();
        var (withoutPort, plainPeer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, withPort, 7).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(withPort, new byte[8], ov).Error);
        portPeer.Write("a"u8);
        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Assert.Equal(new CompletionPacket(7, 1, ov, WsaError.Success), packet);
        Assert.Equal(1, ev.SetCount); // the event is set as well (no low bit)
        ev.Reset();

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(withoutPort, new byte[8], ov).Error);
        plainPeer.Write("bc"u8);
        Assert.Equal((OperationStatus.Completed, 2), (ov.Status, ov.BytesTransferred));
        Assert.False(port.TryDequeue(out _, TimeSpan.Zero)); // no packet for a socket without a port
        Assert.Equal(2, ev.SetCount); // set again: the second completion was notified through the event alone

        Assert.True(h.Runtime.Send(withPort, "def"u8.ToArray(), ov).IsSuccess); // completes at once, still notified (OVL-1)
        Assert.True(port.TryDequeue(out packet, WaitLimit));
        Assert.Equal(new CompletionPacket(7, 3, ov, WsaError.Success), packet);
    }

    // ---------------------------------------------------------------- OVL-8

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_FailsPendingReceiveWithConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        Join(Start(peer.Reset));

        Assert.Equal(OperationStatus.Failed, ov.Status);
        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.Equal(WsaError.ConnectionReset, RunBounded(() => h.Runtime.Receive(s, new byte[8]), "a blocking receive that should give ConnectionReset at once").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_PortPacketStatusIsNetNameDeleted()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 5).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        peer.Reset();

        Assert.True(port.TryDequeue(out var packet, WaitLimit));
        Assert.Equal(new CompletionPacket(5, 0, ov, WsaError.NetNameDeleted), packet);
        Assert.Equal(64, (int)packet.Status);
        Assert.Equal(WsaError.ConnectionReset, ov.Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_CompletionRoutineGetsConnectionReset()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var outcome = (Error: WsaError.Success, Bytes: -1);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], new WsaOverlapped(), (e, n, _, _) => outcome = (e, n)).Error);

        peer.Reset();

        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal((WsaError.ConnectionReset, 0), outcome);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerReset_FailsPendingSendWithConnectionReset()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 1).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, new byte[10], ov).Error);

        peer.Reset();

        Assert.Equal(WsaError.ConnectionReset, ov.Error);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(WsaError.NetNameDeleted, packet.Status);
        Assert.Equal(WsaError.ConnectionReset, RunBounded(() => h.Runtime.Send(s, new byte[1]), "a blocking send that should give ConnectionReset at once").Error);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerClose_CompletesPendingReceiveWithZeroBytes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(h.Runtime, s, 2).ThrowIfFailed();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);

        Join(Start(peer.Close));

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(WsaError.Success, ov.Error);
        Assert.Equal(0, ov.BytesTransferred);
        Assert.Equal(1, ev.SetCount);
        Assert.True(port.TryDequeue(out var packet));
        Assert.Equal(new CompletionPacket(2, 0, ov, WsaError.Success), packet);
        Assert.Equal(0, h.Runtime.GetOverlappedResult(s, ov, wait: false).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerClose_CompletesEveryPendingReceiveWithZeroBytes()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ops = Enumerable.Range(0, 3).Select(_ => new WsaOverlapped(new WsaEvent())).ToArray();
        foreach (var ov in ops)
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov).Error);
        }

        peer.Close();

        Assert.All(ops, ov => Assert.Equal((OperationStatus.Completed, 0, 1), (ov.Status, ov.BytesTransferred, ov.Event!.SetCount)));
    }

    [Fact]
    [Trait("Rule", "OVL-8")]
    public void OVL8_PeerCloseAfterData_ReceivesTheDataThenZero()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov1 = new WsaOverlapped();
        var ov2 = new WsaOverlapped();
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, buffer, ov1).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[8], ov2).Error);

        peer.Write("last"u8);
        peer.Close();

        Assert.Equal(4, ov1.BytesTransferred);
        Assert.Equal("last"u8.ToArray(), buffer[..4]);
        Assert.Equal((OperationStatus.Completed, 0), (ov2.Status, ov2.BytesTransferred));
    }

    // ---------------------------------------------------------------- OVL-9

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_SendWithRoom_CompletesAtOnceInEveryMode()
    {
        using var h = new ProviderHarness(sendBufferSize: 8);
        var (s, peer) = h.Connect();

        var blocking = h.Runtime.Send(s, "ab"u8.ToArray());
        var overlapped = h.Runtime.Send(s, "cd"u8.ToArray(), new WsaOverlapped());
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        var nonBlocking = h.Runtime.Send(s, "efgh"u8.ToArray());

        Assert.Equal((2, 2, 4), (blocking.Value, overlapped.Value, nonBlocking.Value));
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal("abcdefgh"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_OverlappedSendWithoutRoom_PendsAndCompletesAsPeerReads()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        var r = h.Runtime.Send(s, "0123456789"u8.ToArray(), ov);

        Assert.Equal(WsaError.IOPending, r.Error);
        Assert.Equal(4, peer.Available);
        var got = new List<byte>();
        got.AddRange(peer.ReadAvailable());
        Assert.False(ev.IsSet);
        Assert.Equal(WsaError.IOPending, ov.Error);

        // The second read makes room for the last bytes: the send completes once all of it is handed to the connection.
        got.AddRange(peer.ReadAvailable());
        Assert.True(ev.IsSet);
        Assert.Equal(10, ov.BytesTransferred);
        got.AddRange(peer.ReadAvailable());
        Assert.Equal("0123456789"u8.ToArray(), got);
        Assert.Equal(1, ev.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    [Trait("Rule", "BLK-1")]
    public void OVL9_BlockingSendWithoutRoom_BlocksUntilPeerReadsOnAnotherThread()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var data = "0123456789"u8.ToArray();

        var sender = Start(() => h.Runtime.Send(s, data));
        SpinUntil(() => h.Runtime.Operations.BlockedCallCount == 1, "the send blocks");
        Assert.False(sender.IsCompleted);
        Assert.Equal(4, peer.Available);
        var got = new List<byte>();
        SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == data.Length;
        }, "the peer read everything");
        var r = Join(sender);

        Assert.Equal(10, r.Value);
        Assert.Equal(data, got);
        Assert.Equal(0, h.Runtime.Operations.BlockedCallCount);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_NonBlockingSendWithoutRoom_FailsWithWouldBlock()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        Assert.Equal(4, h.Runtime.Send(s, "abcd"u8.ToArray()).Value);

        var r = h.Runtime.Send(s, "e"u8.ToArray());

        Assert.Equal(WsaError.WouldBlock, r.Error);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal("abcd"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(1, h.Runtime.Send(s, "e"u8.ToArray()).Value);
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_NonBlockingSendWithSomeRoom_SendsWhatFits()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();

        var r = h.Runtime.Send(s, "abcdef"u8.ToArray());

        Assert.Equal(4, r.Value);
        Assert.Equal("abcd"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "OVL-9")]
    public void OVL9_SendBehindPendingSend_PendsAndDataKeepsItsOrder()
    {
        using var h = new ProviderHarness(sendBufferSize: 4);
        var (s, peer) = h.Connect();
        var ov1 = new WsaOverlapped(new WsaEvent());
        var ov2 = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, "abcdefghij"u8.ToArray(), ov1).Error);

        var r2 = h.Runtime.Send(s, "XY"u8.ToArray(), ov2);

        Assert.Equal(WsaError.IOPending, r2.Error);
        Assert.Equal(2, h.Runtime.Operations.PendingCount);
        var got = new List<byte>();
        SpinUntil(() =>
        {
            got.AddRange(peer.ReadAvailable());
            return got.Count == 12;
        }, "the peer read both sends");
        Assert.Equal("abcdefghijXY"u8.ToArray(), got);
        Assert.Equal((10, 2), (ov1.BytesTransferred, ov2.BytesTransferred));
        Assert.Equal((1, 1), (ov1.Event!.SetCount, ov2.Event!.SetCount));
    }

    [Fact]
    [Trait("Rule", "OVL-2")]
    public void OVL2_ZeroByteReceive_PendsUntilDataArrivesAndTakesNone()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ev = new WsaEvent();
        var ov = new WsaOverlapped(ev);

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, Memory<byte>.Empty, ov).Error);
        Assert.False(ev.IsSet);

        peer.Write("data"u8);

        Assert.True(ev.IsSet);
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(0, ov.BytesTransferred);
        var buffer = new byte[8];
        Assert.Equal(4, h.Runtime.Receive(s, buffer).Value);
        Assert.Equal("data"u8.ToArray(), buffer[..4]);
    }
}
