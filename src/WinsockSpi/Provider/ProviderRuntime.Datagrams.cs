using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>Gets the receive queue of each datagram socket, in bytes (DGM-3).</summary>
    public int DatagramReceiveBufferSize { get; }

    /// <summary>
    /// WSPSendTo: sends one message from a datagram socket, blocking, non-blocking or overlapped (DGM-1, DGM-3..5). The
    /// message is handed to the network whole and at once, so the call always completes at once: an overlapped send is
    /// still notified (OVL-1). An unbound socket is first bound to the wildcard address and an ephemeral port (DGM-4). A
    /// message to an address where nothing is bound, or to a full receive queue, is dropped and counted on the network;
    /// the sender never sees it (DGM-3). On a stream socket the address is ignored and the call is <see cref="Send"/>.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="data">The message (may be empty). For an overlapped send the memory must stay untouched until the operation ends.</param>
    /// <param name="destination">The destination; <see langword="null"/> sends to the connected address. Ignored on a connected datagram socket.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped send.</param>
    /// <param name="routine">The completion routine, queued to this thread when the send ends (OVL-4).</param>
    /// <returns>
    /// The bytes sent (the whole message). Errors: WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (overlapped object in use,
    /// OVL-7, OVL-11), WSAEINPROGRESS (a blocking call from a blocking hook or while one runs), WSAEDESTADDRREQ (no address
    /// and not connected), WSAEFAULT (not an IP endpoint), WSAEAFNOSUPPORT (another family), WSAEADDRNOTAVAIL (the wildcard
    /// address), WSAEMSGSIZE (longer than a UDP datagram), WSAESHUTDOWN (sending shut down), WSAENOBUFS (no ephemeral port
    /// left). A call that fails started nothing and is never notified (OVL-3).
    /// </returns>
    private SpiResult<int> SendToCore(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => SendToAnyCore(socket, data, default, destination, overlapped, routine);

    /// <summary>
    /// The send of <see cref="SendTo"/> and <see cref="SendToBuffers"/>: the message is <paramref name="data"/>, or the
    /// buffers of <paramref name="buffers"/> gathered in order when that array is not empty (EXT-5). They are gathered
    /// only once every check has passed, so a message too long for a datagram is refused without being copied.
    /// </summary>
    private SpiResult<int> SendToAnyCore(SocketHandle socket, ReadOnlyMemory<byte> data, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped, CompletionRoutine? routine)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        DatagramEndpoint? receiver = null;
        EndPoint? implicitBind = null;
        OperationRecord? blockingOp = null;
        int result = -1;
        bool stream = false;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckDatagram_NeedsLock(socket, overlapped, out var s, out var record);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.IsStream)
            {
                stream = true;
            }
            else
            {
                error = DestinationOf_NeedsLock(s, destination, out var address);
                long length = buffers.IsEmpty ? data.Length : WsaBuf.TotalLength64(buffers.Span);
                if (error == WsaError.Success && length > DatagramEndpoint.MaxMessageSize(s.Family))
                {
                    error = WsaError.MessageSize;
                }

                if (error == WsaError.Success && (s.Shutdown & ShutdownState.Send) != 0)
                {
                    error = WsaError.Shutdown;
                }

                if (error == WsaError.Success && s.Datagram is null)
                {
                    error = s.EnsureDatagramBound_NeedsLock(socket);
                    implicitBind = s.LocalEndPoint;
                }

                if (error != WsaError.Success)
                {
                    return error;
                }

                if (record is not null && !TryReserve_NeedsLock(record))
                {
                    return WsaError.InvalidArgument; // OVL-11: another provider or thread took the object meanwhile.
                }

                if (s.Sends.Count == 0 && !Network.TryHoldSender(s.Datagram!))
                {
                    // Port 0 is no socket's address: the message goes nowhere and nothing fails (as Windows does).
                    receiver = address!.Port == 0 ? null
                        : buffers.IsEmpty ? Network.SendDatagram(s.Datagram!, address, data.Span)
                        : SendGathered(s.Datagram!, address, buffers.Span, (int)length);
                    result = (int)length;
                    if (record is not null)
                    {
                        // OVL-1: completed at once, and still notified.
                        record.Begin(this, s, socket, OperationKind.SendTo, blocking: false, routine);
                        record.TryClaim();
                        s.Finish_NeedsLock(record, OperationStatus.Completed, WsaError.Success, (int)length, SocketFlags.None, ref notifications);
                    }
                }
                else if (record is not null)
                {
                    // Held back by the network, or behind sends that are (OVL-5 order): pending until it lets them go.
                    record.Begin(this, s, socket, OperationKind.SendTo, blocking: false, routine);
                    record.SendBuffer = QueuedMessage(data, buffers, (int)length);
                    record.Destination = address;
                    s.Enqueue_NeedsLock(record);
                    _pendingCount++;
                }
                else if (!s.Blocking)
                {
                    s.Latches |= EventLatch.WriteOwed;
                    return WsaError.WouldBlock;
                }
                else
                {
                    blockingOp = BeginBlocking_NeedsLock(s, socket, OperationKind.SendTo);
                    blockingOp.SendBuffer = QueuedMessage(data, buffers, (int)length);
                    blockingOp.Destination = address;
                    s.Enqueue_NeedsLock(blockingOp);
                }
            }
        }

        if (stream)
        {
            // A stream socket: the address is ignored and the call is a send (the reference page of WSPSendTo).
            return buffers.IsEmpty ? SendCore(socket, data, overlapped, routine) : SendBuffersCore(socket, buffers, overlapped, routine);
        }

        if (implicitBind is not null)
        {
            Log.DatagramImplicitBind(_logger, socket, implicitBind);
        }

        try
        {
            return EndTransfer(ref notifications, blockingOp, result);
        }
        finally
        {
            receiver?.Signal(); // the receiver completes its queued receives under its own provider's lock
        }
    }

    /// <summary>
    /// WSPRecvFrom: receives one message and its source on a bound datagram socket, blocking, non-blocking or overlapped
    /// (DGM-1, DGM-2, DGM-5). Messages are never merged or split: a message longer than the buffer fills it and the rest
    /// is discarded, and the call fails with WSAEMSGSIZE (an overlapped one completes with WSAEMSGSIZE and the bytes
    /// copied, and is notified). On a stream socket the source is not reported and the call is <see cref="Receive"/>.
    /// Every receive re-enables FD_READ of WSPAsyncSelect and WSPEventSelect, which is posted or recorded again at once
    /// while messages remain (ASY-2).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffer">Where the message goes. For an overlapped receive the memory must stay valid until the operation ends.</param>
    /// <param name="from">Where the source address is written (lpFrom), or <see langword="null"/>; for an overlapped receive it is written when the operation completes.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped receive.</param>
    /// <param name="routine">The completion routine, queued to this thread when the receive ends (OVL-4).</param>
    /// <returns>
    /// The bytes of the message (0 for an empty one). Overlapped: WSA_IO_PENDING until a message arrives (OVL-2).
    /// Non-blocking: WSAEWOULDBLOCK when none waits. Blocking: waits, calling the blocking hook (BLK-1..3). Errors:
    /// WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (not bound; or overlapped object in use, OVL-7), WSAEINPROGRESS,
    /// WSAESHUTDOWN, WSAEMSGSIZE (truncated, DGM-2), WSAEINTR (a blocking call cancelled, its socket closed, or the final
    /// cleanup, CLS-3, CLN-5).
    /// </returns>
    private SpiResult<int> ReceiveFromCore(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => ReceiveFromAnyCore(socket, buffer, default, from, overlapped, routine);

    /// <summary>
    /// The receive of <see cref="ReceiveFrom"/> and <see cref="ReceiveFromBuffers"/>: one message into
    /// <paramref name="buffer"/>, or scattered over <paramref name="buffers"/> when that array is not empty (EXT-5).
    /// </summary>
    private SpiResult<int> ReceiveFromAnyCore(SocketHandle socket, Memory<byte> buffer, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped, CompletionRoutine? routine)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        OperationRecord? blockingOp = null;
        int result = -1;
        bool stream = false;
        WsaError outcome = WsaError.Success;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckDatagram_NeedsLock(socket, overlapped, out var s, out var op);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.IsStream)
            {
                stream = true;
            }
            else
            {
                error = s.Datagram is null ? WsaError.InvalidArgument
                    : (s.Shutdown & ShutdownState.Receive) != 0 ? WsaError.Shutdown
                    : WsaError.Success;
                if (error != WsaError.Success)
                {
                    return error;
                }

                if (op is not null && !TryReserve_NeedsLock(op))
                {
                    return WsaError.InvalidArgument; // OVL-11
                }

                s.Reenable_NeedsLock(NetworkEvents.Read); // ASY-2: a receive re-enables FD_READ (posted again while messages remain)

                if (s.ReceiveDatagramNow_NeedsLock(buffer.Span, buffers.IsEmpty ? default : buffers.Span, out int copied, out bool truncated, out var source, ref notifications))
                {
                    if (from is not null)
                    {
                        from.EndPoint = source;
                    }

                    result = copied;
                    outcome = truncated ? WsaError.MessageSize : WsaError.Success;
                    if (op is not null)
                    {
                        // Completed at once, and still notified (OVL-1); a truncated message too: its bytes were taken (DGM-2).
                        op.Begin(this, s, socket, OperationKind.ReceiveFrom, blocking: false, routine);
                        op.TryClaim();
                        s.Finish_NeedsLock(op, truncated ? OperationStatus.Failed : OperationStatus.Completed, outcome, copied, SocketFlags.None, ref notifications);
                    }
                }
                else if (op is not null)
                {
                    op.Begin(this, s, socket, OperationKind.ReceiveFrom, blocking: false, routine);
                    op.ReceiveBuffer = buffer;
                    op.ReceiveBuffers = buffers;
                    op.From = from;
                    s.Enqueue_NeedsLock(op);
                    _pendingCount++;
                }
                else if (!s.Blocking)
                {
                    s.RefreshArrivalWatch_NeedsLock(); // nothing queued: the watch set to look again is not needed
                    return WsaError.WouldBlock; // nothing moved, so nothing to make known
                }
                else
                {
                    blockingOp = BeginBlocking_NeedsLock(s, socket, OperationKind.ReceiveFrom);
                    blockingOp.ReceiveBuffer = buffer;
                    blockingOp.ReceiveBuffers = buffers;
                    blockingOp.From = from;
                    s.Enqueue_NeedsLock(blockingOp);
                }
            }
        }

        if (stream)
        {
            // A stream socket: no source is reported and the call is a receive (the reference page of WSPRecvFrom).
            return buffers.IsEmpty ? ReceiveCore(socket, buffer, overlapped, routine) : ReceiveBuffersCore(socket, buffers, SocketFlags.None, overlapped, routine);
        }

        if (outcome == WsaError.MessageSize)
        {
            Log.DatagramTruncated(_logger, socket, 1);
        }

        var transferred = EndTransfer(ref notifications, blockingOp, result);
        return outcome == WsaError.Success ? transferred : outcome;
    }

    /// <summary>
    /// A seam for tests: run under the provider's lock when a socket sets its arrival watch (a receive about to queue, an
    /// association that selects FD_READ) or a select sets <see cref="_selectsWatched"/>: with <see langword="false"/> just
    /// before the flag is set, with <see langword="true"/> just after it and its fence, before the queue is read. A test
    /// delivers a message at exactly those moments. <see langword="null"/> outside tests.
    /// </summary>
    internal Action<bool>? ArrivalWatchSeam;

    /// <summary>A seam for tests: run when an arrival finds a watch set and is about to take the lock. <see langword="null"/> outside tests.</summary>
    internal Action? LockedArrivalSeam;

    /// <summary>
    /// Called (with no lock held) when a message arrived at the datagram address of one of this provider's sockets, or
    /// when the network lets its held sends go: completes what can complete, then signals the sockets its sends reached.
    /// </summary>
    /// <remarks>
    /// An arrival that nothing waits on (no queued receive, no association that selects FD_READ, no waiting select of
    /// this provider) changes nothing here: it returns without the lock. The flags it reads are set with a full fence
    /// before their owners read the queue, and the network fenced after queueing the message
    /// (<see cref="ProviderSocket.ArrivalWatched"/> gives the argument). A release of held sends always takes the lock:
    /// the sends it lets go were queued under it.
    /// </remarks>
    internal void OnDatagramArrived(ProviderSocket s, DatagramEndpoint endpoint, bool sendsReleased)
    {
        if (sendsReleased || s.ArrivalWatched || _selectsWatched)
        {
            LockedArrivalSeam?.Invoke();
            OnDatagramArrivedLocked(s, endpoint); // a method of its own, so the fast path pays none of its prologue
        }
    }

    /// <summary>The work of <see cref="OnDatagramArrived"/> when something may wait: under the lock, then the deliveries.</summary>
    private void OnDatagramArrivedLocked(ProviderSocket s, DatagramEndpoint endpoint)
    {
        var notifications = default(Notifications);
        List<DatagramEndpoint>? receivers = null;
        int truncated;
        SocketHandle handle;
        using (_lock.Enter())
        {
            if (s.Datagram != endpoint || s.HandleCount == 0)
            {
                return; // A stale signal for a socket object that has been closed or reused.
            }

            truncated = s.PumpDatagrams_NeedsLock(ref notifications, out handle);
            s.PumpDatagramSends_NeedsLock(ref notifications, ref receivers);
            s.RefreshArrivalWatch_NeedsLock();
            WakeSelects_NeedsLock(); // a message waits, or held sends went: a socket of a waiting select may be ready (SLT-1, SLT-2)
        }

        if (truncated > 0)
        {
            Log.DatagramTruncated(_logger, handle, truncated);
        }

        try
        {
            Dispatch(ref notifications);
        }
        finally
        {
            if (receivers is not null)
            {
                foreach (var receiver in receivers)
                {
                    receiver.Signal();
                }
            }
        }
    }

    /// <summary>
    /// WSPConnect on a datagram socket: sets the default destination and accepts messages from that address only
    /// (DGM-1, DGM-3); binds an unbound socket first (DGM-4). Completes at once, blocking or not.
    /// </summary>
    private WsaError ConnectDatagram_NeedsLock(SocketHandle socket, ProviderSocket s, IPEndPoint remote)
    {
        AssertLockHeld();
        if (SimulatedNetwork.IsWildcard(remote.Address) || remote.Port == 0)
        {
            return WsaError.AddressNotAvailable;
        }

        var error = s.EnsureDatagramBound_NeedsLock(socket);
        if (error != WsaError.Success)
        {
            return error;
        }

        s.Datagram!.Connect(remote);
        s.RemoteEndPoint = remote;
        s.Phase = SocketPhase.Connected;
        return WsaError.Success;
    }

    /// <summary>
    /// Sends at once the message of <paramref name="buffers"/>, gathered in order into a pooled block (the network copies
    /// the message into the receiver's queue before this returns).
    /// </summary>
    private DatagramEndpoint? SendGathered(DatagramEndpoint from, IPEndPoint to, ReadOnlySpan<WsaBuf> buffers, int length)
    {
        var block = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return Network.SendDatagram(from, to, block.AsSpan(0, WsaBuf.Gather(buffers, block)));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>What a queued send keeps: <paramref name="data"/>, or one message gathered from <paramref name="buffers"/> when the call starts, as the transport copies it (EXT-5).</summary>
    private static ReadOnlyMemory<byte> QueuedMessage(ReadOnlyMemory<byte> data, ReadOnlyMemory<WsaBuf> buffers, int length)
        => buffers.IsEmpty ? data : WsaBuf.Gather(buffers.Span, length);

    /// <summary>
    /// The checks every datagram call makes before looking at its arguments, in the order their errors take precedence,
    /// as <see cref="CheckTransfer_NeedsLock"/> (the overlapped object is reserved by the caller once nothing else can fail).
    /// </summary>
    private WsaError CheckDatagram_NeedsLock(SocketHandle socket, WsaOverlapped? overlapped, out ProviderSocket? s, out OperationRecord? record)
    {
        record = null;
        var error = Find_NeedsLock(socket, out s);
        if (error != WsaError.Success || s!.IsStream)
        {
            return error;
        }

        record = overlapped?.GetOrCreateCore(OperationRecord.Create);
        if (record is { IsBusy: true })
        {
            return WsaError.InvalidArgument; // OVL-7
        }

        return overlapped is null && s.Blocking ? CheckBlockingAllowed() : WsaError.Success;
    }

    /// <summary>Where a datagram send goes: the connected address, else the given one (DGM-1).</summary>
    private static WsaError DestinationOf_NeedsLock(ProviderSocket s, EndPoint? to, out IPEndPoint? destination)
    {
        destination = null;
        if (s.Phase == SocketPhase.Connected && s.RemoteEndPoint is IPEndPoint connected)
        {
            destination = connected;
            return WsaError.Success;
        }

        if (to is null)
        {
            return WsaError.DestinationAddressRequired;
        }

        if (to is not IPEndPoint ip)
        {
            return WsaError.Fault;
        }

        if (ip.AddressFamily != s.Family)
        {
            return WsaError.AddressFamilyNotSupported;
        }

        if (SimulatedNetwork.IsWildcard(ip.Address))
        {
            return WsaError.AddressNotAvailable;
        }

        destination = ip;
        return WsaError.Success;
    }

}
