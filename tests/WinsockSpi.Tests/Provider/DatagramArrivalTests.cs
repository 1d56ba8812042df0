using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// The lock-free arrival of a datagram (ProviderRuntime.OnDatagramArrived) and the network's cached route
/// (SimulatedNetwork.SendDatagram). An arrival that nothing waits on returns without the receiving provider's lock; a
/// receive, an event association or a select sets its watch with a full fence before it reads the queue. These tests
/// deliver a message at the one moment that protocol exists for: inside the caller's locked section, after it found the
/// queue empty and before it set its watch (the <see cref="ProviderRuntime.BeforeArrivalWatch"/> seam). The message is
/// sent from another thread while the caller holds the provider's lock, so the send returns only because the arrival
/// did not need that lock; the caller must then find the message, not wait for a signal that already came. The other
/// half of the argument: a message that arrives after the watch is set and before the queue is read must find the watch
/// and go for the lock (the seam after the fence, <see cref="ProviderRuntime.LockedArrivalSeam"/>).
/// </summary>
public class DatagramArrivalTests
{
    private static readonly byte[] Ping = "ping"u8.ToArray();

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void OverlappedReceive_MessageArrivesBeforeItsWatch_CompletesAtOnceWithTheMessage()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var arrivals = DeliverBeforeWatch(h, peer, address);
        var buffer = new byte[16];
        var from = new SourceAddress();
        var overlapped = new WsaOverlapped();

        var r = h.Runtime.ReceiveFrom(s, buffer, from, overlapped);

        Assert.Equal(1, arrivals());
        Assert.Equal(4, r.ThrowIfFailed()); // found by the look after the watch: completed at once (OVL-1), not left pending
        Assert.Equal(OperationStatus.Completed, overlapped.Status);
        Assert.Equal(Ping, buffer[..4]);
        Assert.Equal(peer.LocalEndPoint, from.EndPoint);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void BlockingReceive_MessageArrivesBeforeItsWatch_ReturnsItWithoutWaiting()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var arrivals = DeliverBeforeWatch(h, peer, address);
        var buffer = new byte[16];

        // Bounded: a receive that missed the message would wait for an arrival that already came.
        int received = TestThreads.RunBounded(() => h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed(), "blocking ReceiveFrom");

        Assert.Equal(1, arrivals());
        Assert.Equal(4, received);
        Assert.Equal(Ping, buffer[..4]);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void NonBlockingReceive_MessageArrivesBeforeItsWatch_ReturnsItNotWouldBlock()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        Assert.True(h.Runtime.SetBlocking(s, false).IsSuccess);
        var arrivals = DeliverBeforeWatch(h, peer, address);
        var buffer = new byte[16];

        var r = h.Runtime.ReceiveFrom(s, buffer, null);

        Assert.Equal(1, arrivals());
        Assert.Equal(4, r.ThrowIfFailed());
        Assert.Equal(WsaError.WouldBlock, h.Runtime.ReceiveFrom(s, buffer, null).Error); // nothing else waits
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void EventSelect_MessageArrivesBeforeItsWatch_RecordsFdRead()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        using var ev = new WsaEvent();
        var arrivals = DeliverBeforeWatch(h, peer, address);

        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read).IsSuccess);

        Assert.Equal(1, arrivals());
        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s).ThrowIfFailed().Events);
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void WaitingSelect_MessageArrivesBeforeItsWatch_ReturnsReadyAtOnce()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var arrivals = DeliverBeforeWatch(h, peer, address);
        var read = new List<SocketHandle> { s };

        // An infinite select: bounded here, since one that missed the message would wait for an arrival that already came.
        int ready = TestThreads.RunBounded(() => h.Runtime.Select(read, null, null, timeout: null).ThrowIfFailed(), "select");

        Assert.Equal(1, arrivals());
        Assert.Equal(1, ready);
        Assert.Equal([s], read);
    }

    [Fact]
    [Trait("Rule", "SLT-2")]
    public void WaitingSelect_MessageArrivesWhileItWaits_WakesIt()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var s = Datagrams.Bound(h, out var address);
        var sender = Datagrams.Socket(other);
        var read = new List<SocketHandle> { s };
        var blocked = h.StartBlocked(() => h.Runtime.Select(read, null, null, timeout: null));

        // The select is listed as waiting (StartBlocked returned once its thread blocked): the arrival takes the lock and wakes it.
        Assert.Equal(4, other.Runtime.SendTo(sender, Ping, address).ThrowIfFailed());

        Assert.Equal(1, TestThreads.Join(blocked, "select").ThrowIfFailed());
        Assert.Equal([s], read);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void OverlappedReceive_PendingThenMessage_CompletesIt_AndAnIdleSocketStillQueuesLaterMessages()
    {
        using var h = new ProviderHarness();
        using var other = new ProviderHarness(network: h.Network);
        var s = Datagrams.Bound(h, out var address);
        var sender = Datagrams.Socket(other);
        var buffer = new byte[16];
        var overlapped = new WsaOverlapped();

        Assert.Equal(WsaError.IOPending, h.Runtime.ReceiveFrom(s, buffer, null, overlapped).Error);
        Assert.Equal(4, other.Runtime.SendTo(sender, Ping, address).ThrowIfFailed()); // the watch is set: the arrival completes it

        Assert.Equal(OperationStatus.Completed, overlapped.Status);
        Assert.Equal(4, overlapped.BytesTransferred);

        // Nothing waits now: arrivals skip the lock, and their messages wait in the queue in order.
        int locked = 0;
        h.Runtime.LockedArrivalSeam = () => Interlocked.Increment(ref locked);
        Assert.Equal(1, other.Runtime.SendTo(sender, new byte[] { 1 }, address).ThrowIfFailed());
        Assert.Equal(2, other.Runtime.SendTo(sender, new byte[] { 2, 2 }, address).ThrowIfFailed());
        Assert.Equal(0, Volatile.Read(ref locked));
        Assert.Equal(1, h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed());
        Assert.Equal(2, h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed());
    }

    // ---- A message that arrives after the watch is set and before the queue is read: the arrival takes the lock ----

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void OverlappedReceive_MessageArrivesAfterItsWatch_ArrivalTakesTheLock_AndTheReceiveGetsIt()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var send = DeliverAfterWatch(h, peer, address);
        var buffer = new byte[16];
        var overlapped = new WsaOverlapped();

        var r = h.Runtime.ReceiveFrom(s, buffer, null, overlapped);
        JoinSend(send);

        Assert.Equal(4, r.ThrowIfFailed()); // the message was queued before the read: completed at once (OVL-1)
        Assert.Equal(OperationStatus.Completed, overlapped.Status);
        Assert.Equal(Ping, buffer[..4]);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void BlockingReceive_MessageArrivesAfterItsWatch_ReturnsIt()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var send = DeliverAfterWatch(h, peer, address);
        var buffer = new byte[16];

        int received = TestThreads.RunBounded(() => h.Runtime.ReceiveFrom(s, buffer, null).ThrowIfFailed(), "blocking ReceiveFrom");
        JoinSend(send);

        Assert.Equal(4, received);
        Assert.Equal(Ping, buffer[..4]);
    }

    [Fact]
    [Trait("Rule", "SEL-1")]
    public void EventSelect_MessageArrivesAfterItsWatch_RecordsFdRead()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        using var ev = new WsaEvent();
        var send = DeliverAfterWatch(h, peer, address);

        Assert.True(h.Runtime.EventSelect(s, ev, NetworkEvents.Read).IsSuccess);
        JoinSend(send);

        Assert.True(ev.IsSet);
        Assert.Equal(NetworkEvents.Read, h.Runtime.EnumNetworkEvents(s).ThrowIfFailed().Events);
    }

    [Fact]
    [Trait("Rule", "ASY-2")]
    public void AsyncSelect_MessageArrivesAfterItsWatch_PostsOneFdRead_AndAReceiveReEnablesIt()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var window = new SimulatedWindow(h.Process);
        var send = DeliverAfterWatch(h, peer, address);

        h.Runtime.AsyncSelect(s, window, 0x8001, NetworkEvents.Read).ThrowIfFailed();
        JoinSend(send);

        Assert.Equal(1, window.MessageCount); // FD_READ, posted once: by the association or by the arrival, not both (ASY-2)
        Assert.Equal(NetworkEvents.Read, window.Messages[0].SelectEvent());

        // The association keeps the watch set: a second message posts nothing until a receive re-enables FD_READ.
        Assert.True(peer.SendTo(Ping, address));
        Assert.Equal(1, window.MessageCount);
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, new byte[16], null).ThrowIfFailed()); // re-enables FD_READ; one message remains
        Assert.Equal(2, window.MessageCount);
        Assert.Equal(4, h.Runtime.ReceiveFrom(s, new byte[16], null).ThrowIfFailed()); // re-enables; none remains
        Assert.True(peer.SendTo(Ping, address));
        Assert.Equal(3, window.MessageCount); // the arrival took the lock and posted it
    }

    [Fact]
    [Trait("Rule", "SLT-1")]
    public void WaitingSelect_MessageArrivesAfterItsWatch_ReturnsReadyAtOnce()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Bound(h, out var address);
        var send = DeliverAfterWatch(h, peer, address);
        var read = new List<SocketHandle> { s };

        int ready = TestThreads.RunBounded(() => h.Runtime.Select(read, null, null, timeout: null).ThrowIfFailed(), "select");
        JoinSend(send);

        Assert.Equal(1, ready);
        Assert.Equal([s], read);
    }

    // ---- The network's cached route ----

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void Route_DestinationUnboundThenBoundAgain_FollowsTheBinding()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);
        var address = new IPEndPoint(IPAddress.Loopback, 40_123);

        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 1 }, address).ThrowIfFailed()); // nothing bound: dropped, and that route cached
        using (var first = h.Network.BindDatagram(address))
        {
            Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 2 }, address).ThrowIfFailed());
            Assert.Equal([(byte)2], first.Receive()!.Data);
        }

        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 3 }, address).ThrowIfFailed()); // unbound: dropped, not queued at the closed endpoint
        using var second = h.Network.BindDatagram(address);
        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 4 }, address).ThrowIfFailed());

        Assert.Equal([(byte)4], second.Receive()!.Data);
        Assert.Null(second.Receive());
        Assert.Equal(2, h.Network.DatagramsDropped);
        Assert.Equal(2, h.Network.DatagramsDelivered);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void Route_CallerChangesItsEndPointBetweenSends_EachSendGoesWhereTheEndPointSaidThen()
    {
        using var h = new ProviderHarness();
        using var a = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        var destination = new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)a.LocalEndPoint).Port);

        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 1 }, destination).ThrowIfFailed());
        destination.Port = ((IPEndPoint)b.LocalEndPoint).Port; // the same object, now another address
        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 2 }, destination).ThrowIfFailed());

        Assert.Equal([(byte)1], a.Receive()!.Data);
        Assert.Null(a.Receive());
        Assert.Equal([(byte)2], b.Receive()!.Data);
    }

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void Route_IPv6ScopeChangedOnTheCallersAddress_IsAnotherDestination()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var s = h.Runtime.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp).ThrowIfFailed();
        var destination = new IPEndPoint(new IPAddress(IPAddress.IPv6Loopback.GetAddressBytes()), ((IPEndPoint)peer.LocalEndPoint).Port);

        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 1 }, destination).ThrowIfFailed());
        destination.Address.ScopeId = 5; // the same IPAddress object, now scoped: nothing is bound there
        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 2 }, destination).ThrowIfFailed());
        destination.Address.ScopeId = 0;
        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 3 }, destination).ThrowIfFailed());

        Assert.Equal([(byte)1], peer.Receive()!.Data);
        Assert.Equal([(byte)3], peer.Receive()!.Data);
        Assert.Null(peer.Receive());
        Assert.Equal(1, h.Network.DatagramsDropped);
    }

    [Fact]
    [Trait("Rule", "DGM-3")]
    public void Route_WildcardBindingThenASpecificOne_EachSendFindsTheBindingOfItsTime()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);
        var address = new IPEndPoint(IPAddress.Loopback, 40_124);

        using (var wildcard = h.Network.BindDatagram(new IPEndPoint(IPAddress.Any, 40_124)))
        {
            Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 1 }, address).ThrowIfFailed()); // loopback reaches the wildcard binding
            Assert.Equal([(byte)1], wildcard.Receive()!.Data);
        }

        using var specific = h.Network.BindDatagram(address);
        Assert.Equal(1, h.Runtime.SendTo(s, new byte[] { 2 }, address).ThrowIfFailed());
        Assert.Equal([(byte)2], specific.Receive()!.Data);
    }

    [Fact]
    [Trait("Rule", "DGM-1")]
    public void Route_AlternatingDestinations_EachMessageArrivesWhereItWasSent()
    {
        // Every send misses the route the sender remembered (the destination changes each time). That a miss allocates
        // nothing is measured by DatagramBenchmarks (its alternating row, MemoryDiagnoser).
        using var h = new ProviderHarness();
        var receiverA = Datagrams.Bound(h, out var toA);
        var receiverB = Datagrams.Bound(h, out var toB);
        var toNowhere = new IPEndPoint(IPAddress.Loopback, 40_125); // nothing bound there: dropped
        var sender = Datagrams.Socket(h);
        ReadOnlyMemory<byte> one = new byte[] { 7 };
        var buffer = new byte[4];
        IPEndPoint[] destinations = [toA, toNowhere, toB];
        SocketHandle?[] receivers = [receiverA, null, receiverB];
        int Round()
        {
            int received = 0;
            for (int i = 0; i < destinations.Length; i++)
            {
                h.Runtime.SendTo(sender, one, destinations[i]).ThrowIfFailed();
                if (receivers[i] is { } r)
                {
                    received += h.Runtime.ReceiveFrom(r, buffer, null).ThrowIfFailed(); // each message where it was sent
                }
            }

            return received;
        }

        Assert.Equal(2, Round()); // the first round binds the sender

        int total = 0;
        for (int i = 0; i < 20; i++)
        {
            total += Round();
        }

        Assert.Equal(40, total);
        Assert.Equal(21, h.Network.DatagramsDropped);
        Assert.Equal(42, h.Network.DatagramsDelivered);
    }

    /// <summary>
    /// Arms the seam once: when the provider's next caller is about to set its watch (holding the provider's lock), a
    /// harness peer sends <see cref="Ping"/> to <paramref name="address"/> from another thread, and the seam waits for
    /// that send to return. It returns only if the arrival did not need the provider's lock.
    /// </summary>
    /// <returns>How many times the seam delivered (read it after the call).</returns>
    private static Func<int> DeliverBeforeWatch(ProviderHarness h, DatagramPeer peer, IPEndPoint address)
    {
        int delivered = 0;
        h.Runtime.ArrivalWatchSeam = watched =>
        {
            if (watched)
            {
                return;
            }

            h.Runtime.ArrivalWatchSeam = null;
            var send = TestThreads.Start(() => peer.SendTo(Ping, address));
            Assert.True(TestThreads.Join(send, "the peer's send while the receiving provider's lock is held"));
            delivered++;
        };
        return () => Volatile.Read(ref delivered);
    }

    /// <summary>
    /// Arms the seam once: just after the provider's next caller set its watch and passed its fence (holding the lock),
    /// before it reads the queue, a harness peer sends <see cref="Ping"/> from another thread, and the seam waits until
    /// that arrival, having queued the message, finds the watch and goes for the lock (<see cref="ProviderRuntime.LockedArrivalSeam"/>).
    /// The send then waits for the caller to release the lock.
    /// </summary>
    /// <returns>The peer's send, to join once the caller released the lock.</returns>
    private static Func<Task<bool>?> DeliverAfterWatch(ProviderHarness h, DatagramPeer peer, IPEndPoint address)
    {
        Task<bool>? send = null;
        h.Runtime.ArrivalWatchSeam = watched =>
        {
            if (!watched)
            {
                return;
            }

            h.Runtime.ArrivalWatchSeam = null;
            using var lockedArrival = new ManualResetEventSlim();
            h.Runtime.LockedArrivalSeam = lockedArrival.Set;
            send = TestThreads.Start(() => peer.SendTo(Ping, address));
            Assert.True(lockedArrival.Wait(TestThreads.WaitLimit), "the arrival after the watch did not go for the provider's lock");
            h.Runtime.LockedArrivalSeam = null;
        };
        return () => send;
    }

    private static void JoinSend(Func<Task<bool>?> send)
    {
        var task = send();
        Assert.NotNull(task); // the seam ran
        Assert.True(TestThreads.Join(task, "the peer's send, once the lock was released"));
    }
}
