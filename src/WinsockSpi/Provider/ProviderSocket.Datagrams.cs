using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>The datagram side of the socket (DGM-1..5): its bound address on the network and its queued receives.</summary>
internal sealed partial class ProviderSocket : IDatagramListener
{
    /// <summary>The socket's datagram address on the network, from its bind (explicit, or implicit at its first send or connect).</summary>
    public DatagramEndpoint? Datagram;

    /// <summary>
    /// Whether a message that arrives must be taken into account under the provider's lock: a receive is queued, or an
    /// event or window association selects FD_READ (<see cref="ProviderRuntime.OnDatagramArrived"/> reads it without the
    /// lock). Written under the lock only: set with a full fence by <see cref="WatchArrivals_NeedsLock"/> before a caller
    /// looks at the queue and may then wait; cleared by <see cref="RefreshArrivalWatch_NeedsLock"/> once nothing waits.
    /// </summary>
    /// <remarks>
    /// The arrival queues its message, passes a full fence, then reads this flag; a waiter sets it, passes a full fence,
    /// then reads the queue. So at least one of the two sees the other: the arrival takes the lock, or the waiter finds
    /// the message (the argument of Dekker's algorithm). Both may, which costs a lock round trip and nothing else.
    /// </remarks>
    public volatile bool ArrivalWatched;

    /// <summary>
    /// Binds the datagram socket to <paramref name="requested"/> (port 0 picks one): WSAEADDRINUSE when taken (DGM-4).
    /// <paramref name="handle"/>, the handle of the call that binds, names the owner in the network's state dump.
    /// </summary>
    public WsaError BindDatagram_NeedsLock(SocketHandle handle, IPEndPoint requested)
    {
        AssertLock();
        string owner = $"socket {handle} of process {Runtime.Process.Id}, provider {Runtime.Tag}";
        var error = Runtime.Network.TryBindDatagram(requested, Runtime.DatagramReceiveBufferSize, this, owner, out var endpoint); // an owner: the endpoint remembers its route (its sends all run under this lock)
        if (error != WsaError.Success)
        {
            return error;
        }

        Datagram = endpoint;
        LocalEndPoint = endpoint!.LocalEndPoint;
        Phase = SocketPhase.Bound;
        return WsaError.Success;
    }

    /// <summary>Binds an unbound datagram socket to the wildcard address and an ephemeral port, as a send or connect does first (DGM-4).</summary>
    public WsaError EnsureDatagramBound_NeedsLock(SocketHandle handle)
        => Datagram is not null ? WsaError.Success
            : BindDatagram_NeedsLock(handle, new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));

    /// <summary>
    /// Takes the oldest waiting message into <paramref name="buffer"/>, or scattered over <paramref name="buffers"/> when
    /// that array is not empty (EXT-5), when no receive is queued ahead (OVL-5 order), and re-records FD_READ while more
    /// messages wait.
    /// </summary>
    /// <returns>Whether a message was taken.</returns>
    /// <remarks>
    /// When no message waits, the socket's watch is set first (<see cref="WatchArrivals_NeedsLock"/>) and the queue read
    /// again: the caller may then queue a receive, and a message that arrived meanwhile either is found here or finds the
    /// watch. A caller that does not queue one calls <see cref="RefreshArrivalWatch_NeedsLock"/>.
    /// </remarks>
    public bool ReceiveDatagramNow_NeedsLock(Span<byte> buffer, ReadOnlySpan<WsaBuf> buffers, out int copied, out bool truncated, out IPEndPoint? source, ref Notifications notifications)
    {
        AssertLock();
        int remaining;
        if (Receives.Count > 0)
        {
            copied = 0;
            truncated = false;
            source = null;
            return false; // queued behind earlier receives (OVL-5 order), which keep the watch set
        }

        if (!TakeDatagram(Datagram!, buffer, buffers, out copied, out truncated, out source, out remaining))
        {
            WatchArrivals_NeedsLock();
            if (!TakeDatagram(Datagram!, buffer, buffers, out copied, out truncated, out source, out remaining))
            {
                return false;
            }

            RefreshArrivalWatch_NeedsLock(); // found after all: nothing is queued
        }

        if (remaining > 0)
        {
            RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        return true;
    }

    /// <summary>
    /// Completes queued datagram receives in posting order while messages wait: each takes one whole message and its
    /// source, and a message longer than the buffer completes it with WSAEMSGSIZE and the bytes copied (DGM-2). Records
    /// FD_READ while messages remain.
    /// </summary>
    /// <param name="notifications">Receives what must be made known.</param>
    /// <param name="truncatedOn">The handle of the last receive a message was truncated for (for the log).</param>
    /// <returns>How many messages were truncated (DGM-2).</returns>
    public int PumpDatagrams_NeedsLock(ref Notifications notifications, out SocketHandle truncatedOn)
    {
        AssertLock();
        truncatedOn = default;
        int truncations = 0;
        if (Datagram is not { } endpoint)
        {
            return 0;
        }

        for (var op = Receives.Head; op is not null; op = Receives.Head)
        {
            if (!TakeDatagram(endpoint, op.ReceiveBuffer.Span, op.ReceiveBuffers.Span, out int copied, out bool truncated, out var source, out _))
            {
                break;
            }

            if (op.From is { } from)
            {
                from.EndPoint = source;
            }

            if (truncated)
            {
                truncations++;
                truncatedOn = op.Handle;
            }

            if (!op.TryClaim())
            {
                Debug.Fail("A queued operation was already claimed."); // every claim of a queued operation is made under this lock
                break;
            }

            Finish_NeedsLock(op, truncated ? OperationStatus.Failed : OperationStatus.Completed, truncated ? WsaError.MessageSize : WsaError.Success, copied, SocketFlags.None, ref notifications);
        }

        if (endpoint.Count > 0)
        {
            RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        return truncations;
    }

    /// <summary>
    /// Sends the datagrams queued while the network held them back (DGM-5), in order, until it holds them again;
    /// records FD_WRITE once the queue is empty after a send that would have blocked.
    /// </summary>
    /// <param name="notifications">Receives what must be made known.</param>
    /// <param name="receivers">Receives the endpoints the messages reached, to signal once the lock is released.</param>
    public void PumpDatagramSends_NeedsLock(ref Notifications notifications, ref List<DatagramEndpoint>? receivers)
    {
        AssertLock();
        if (Datagram is not { } endpoint)
        {
            return;
        }

        for (var op = Sends.Head; op is not null; op = Sends.Head)
        {
            if (Runtime.Network.TryHoldSender(endpoint))
            {
                break; // held again: signalled at the next release
            }

            int length = op.SendBuffer.Length;
            if (op.Destination!.Port != 0 && Runtime.Network.SendDatagram(endpoint, op.Destination, op.SendBuffer.Span) is { } receiver)
            {
                (receivers ??= []).Add(receiver);
            }

            if (!op.TryClaim())
            {
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, length, SocketFlags.None, ref notifications);
        }

        if (Sends.Count == 0 && (Latches & EventLatch.WriteOwed) != 0)
        {
            Latches &= ~EventLatch.WriteOwed;
            RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);
        }
    }

    /// <summary>Records what is already true of a datagram socket when event select starts: messages may wait, and it can send unless its sends are held or queued (then FD_WRITE is owed until they go) (SEL-1).</summary>
    public void RecordDatagramConditions_NeedsLock(ref Notifications notifications)
    {
        AssertLock();
        if ((SelectMask & NetworkEvents.Read) != 0)
        {
            WatchArrivals_NeedsLock(); // before the queue is read: a message arriving meanwhile is recorded here or by its arrival
        }

        if (Datagram is { Count: > 0 })
        {
            RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (IsWritable_NeedsLock())
        {
            RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);
        }
        else
        {
            Latches |= EventLatch.WriteOwed; // sends are held (or queued): FD_WRITE comes when they go, as select says
        }
    }

    /// <summary>Releases the datagram address at once (close, final cleanup, process death: DGM-4); queued messages are discarded.</summary>
    public void ReleaseDatagram_NeedsLock()
    {
        AssertLock();
        if (Datagram is { } endpoint)
        {
            Datagram = null;
            Runtime.Network.UnbindDatagram(endpoint);
        }
    }

    /// <summary>
    /// Sets <see cref="ArrivalWatched"/> and passes a full fence, before the caller reads the queue and may then wait on
    /// it (a queued receive) or record from it (an association that selects FD_READ).
    /// </summary>
    public void WatchArrivals_NeedsLock()
    {
        AssertLock();
        Runtime.ArrivalWatchSeam?.Invoke(false);
        ArrivalWatched = true;
        Interlocked.MemoryBarrier();
        Runtime.ArrivalWatchSeam?.Invoke(true);
    }

    /// <summary>Clears <see cref="ArrivalWatched"/> when nothing waits on an arrival any more: no queued receive, no association that selects FD_READ.</summary>
    public void RefreshArrivalWatch_NeedsLock()
    {
        AssertLock();
        ArrivalWatched = Receives.Count > 0 || (SelectMask & NetworkEvents.Read) != 0;
    }

    void IDatagramListener.OnDatagramArrived(DatagramEndpoint endpoint, bool sendsReleased) => Runtime.OnDatagramArrived(this, endpoint, sendsReleased);

    /// <summary>
    /// Takes the oldest message of <paramref name="endpoint"/>: into <paramref name="buffer"/>, or, when
    /// <paramref name="buffers"/> is not empty, scattered over them in order, each full before the next gets a byte
    /// (EXT-5). A message longer than the room is cut there and the rest discarded (DGM-2).
    /// </summary>
    /// <remarks>
    /// A scatter goes through a pooled block as long as the buffers together (at most the endpoint's capacity, which no
    /// message exceeds): the network module hands out contiguous bytes only, and the pool keeps steady state free of
    /// allocations.
    /// </remarks>
    private static bool TakeDatagram(DatagramEndpoint endpoint, Span<byte> buffer, ReadOnlySpan<WsaBuf> buffers, out int copied, out bool truncated, out IPEndPoint? source, out int remaining)
    {
        if (buffers.IsEmpty)
        {
            return endpoint.TryReceive(buffer, out copied, out truncated, out source, out remaining);
        }

        if (endpoint.Count == 0)
        {
            // Nothing waits (read without the gate, as TryReceive reads it): no pooled block for nothing.
            copied = 0;
            truncated = false;
            source = null;
            remaining = 0;
            return false;
        }

        int room = (int)Math.Min(WsaBuf.TotalLength64(buffers), endpoint.Capacity);

        var block = System.Buffers.ArrayPool<byte>.Shared.Rent(room);
        try
        {
            if (!endpoint.TryReceive(block.AsSpan(0, room), out copied, out truncated, out source, out remaining))
            {
                return false;
            }

            WsaBuf.Scatter(block.AsSpan(0, copied), buffers);
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(block);
        }
    }
}
