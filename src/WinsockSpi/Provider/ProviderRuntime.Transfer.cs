using System.Diagnostics;
using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// WSPSend: sends on a connected stream socket, blocking, non-blocking or overlapped (OVL-1..5, OVL-7, OVL-9).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="data">The bytes. For an overlapped send the memory must stay untouched until the operation ends.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped send.</param>
    /// <param name="routine">The completion routine, queued to this thread when the send ends (OVL-4).</param>
    /// <returns>
    /// The bytes sent. Overlapped: the count when it completes at once (and it is still notified, OVL-1), or
    /// WSA_IO_PENDING while the buffer is full (OVL-2). Non-blocking: the bytes that fitted, or WSAEWOULDBLOCK.
    /// Blocking: waits for room. Errors: WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (overlapped object in use by any
    /// provider, OVL-7, OVL-11), WSAENOTCONN, WSAESHUTDOWN, WSAECONNRESET, WSAECONNABORTED (a cancelled call broke the
    /// stream, BLK-3), WSAEINTR (blocking call cancelled), WSAEINPROGRESS (from a blocking hook,
    /// or with a blocking call already running on the thread). A call that fails at once started nothing and is never
    /// notified (OVL-3). On a datagram socket it is <see cref="SendTo"/> to the connected address (WSAENOTCONN when not
    /// connected).
    /// </returns>
    private SpiResult<int> SendCore(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        OperationRecord? blockingOp = null;
        int result;
        WsaError refused;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckTransfer_NeedsLock(socket, overlapped, send: true, ref notifications, out var s, out var op);
            if (error == WsaError.OperationNotSupported && s is { IsStream: false })
            {
                // A datagram socket sends to its connected address (WSAENOTCONN when it has none): WSPSendTo's path, once
                // this lock is released.
                Debug.Assert(notifications.IsEmpty, "A datagram socket has no connection to catch up with.");
                if (s.Phase != SocketPhase.Connected)
                {
                    return WsaError.NotConnected;
                }

                goto Datagram;
            }

            if (error != WsaError.Success)
            {
                refused = error;
                goto Refused;
            }

            int written = s!.SendNow_NeedsLock(data.Span, ref notifications);
            if (written == data.Length)
            {
                result = written;
                if (op is not null)
                {
                    // OVL-1: completed at once, and still notified.
                    op.Begin(this, s, socket, OperationKind.Send, blocking: false, routine);
                    op.TryClaim();
                    op.SkipPort |= s.SkipsPortOnSuccess; // EXT-4
                    s.Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, written, SocketFlags.None, ref notifications);
                }
            }
            else if (op is not null)
            {
                op.Begin(this, s, socket, OperationKind.Send, blocking: false, routine);
                op.SendBuffer = data;
                op.Progress = written;
                s.Enqueue_NeedsLock(op);
                _pendingCount++;
                s.Latches |= EventLatch.WriteOwed;
                result = -1;
            }
            else if (!s.Blocking)
            {
                s.Latches |= EventLatch.WriteOwed;
                if (written == 0)
                {
                    refused = WsaError.WouldBlock; // nothing moved by this call; what the catch-up completed, and a fault plan's reset kick, are still made known
                    goto Refused;
                }

                result = written;
            }
            else
            {
                blockingOp = BeginBlocking_NeedsLock(s, socket, OperationKind.Send);
                blockingOp.SendBuffer = data;
                blockingOp.Progress = written;
                s.Enqueue_NeedsLock(blockingOp);
                result = -1;
            }
        }

        return EndTransfer(ref notifications, blockingOp, result);

    Refused:
        Dispatch(ref notifications); // what the queue's catch-up completed, if it ran (a refused call itself starts nothing, OVL-3)
        return refused;

    Datagram:
        return SendToCore(socket, data, destination: null, overlapped, routine);
    }

    /// <summary>
    /// WSPRecv: receives on a connected stream socket, blocking, non-blocking or overlapped (OVL-1..8).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffer">Where the bytes go. For an overlapped receive the memory must stay valid until the operation ends.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped receive.</param>
    /// <param name="routine">The completion routine, queued to this thread when the receive ends (OVL-4).</param>
    /// <returns>
    /// The bytes received (fewer than asked when less is waiting; 0 at end of stream after a graceful close, OVL-8).
    /// Overlapped: WSA_IO_PENDING until the peer writes (OVL-2). Non-blocking: WSAEWOULDBLOCK when nothing waits.
    /// Errors: as <see cref="Send"/>, plus WSAECONNRESET after a reset by the peer (OVL-8). On a datagram socket it is
    /// <see cref="ReceiveFrom"/> without a source buffer.
    /// </returns>
    private SpiResult<int> ReceiveCore(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => ReceiveAnyCore(socket, buffer, default, peek: false, overlapped, routine);

    /// <summary>The receive of <see cref="Receive"/> and <see cref="ReceiveBuffers"/>: into one buffer, or scattered over several (EXT-5).</summary>
    private SpiResult<int> ReceiveAnyCore(SocketHandle socket, Memory<byte> buffer, ReadOnlyMemory<WsaBuf> buffers, bool peek, WsaOverlapped? overlapped, CompletionRoutine? routine)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        OperationRecord? blockingOp = null;
        int result;
        WsaError refused;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckTransfer_NeedsLock(socket, overlapped, send: false, ref notifications, out var s, out var op);
            if (error == WsaError.OperationNotSupported && s is { IsStream: false })
            {
                Debug.Assert(notifications.IsEmpty, "A datagram socket has no connection to catch up with.");
                goto Datagram; // a datagram socket receives any message: WSPRecvFrom's path, once this lock is released (it may block)
            }

            if (error != WsaError.Success)
            {
                refused = error;
                goto Refused;
            }

            s!.Reenable_NeedsLock(NetworkEvents.Read); // ASY-2: a receive re-enables FD_READ

            int read = s!.ReceiveNow_NeedsLock(buffer, buffers, peek, ref notifications);
            if (read >= 0)
            {
                result = read;
                if (op is not null)
                {
                    // OVL-1: completed at once, and still notified.
                    op.Begin(this, s, socket, OperationKind.Receive, blocking: false, routine);
                    op.TryClaim();
                    op.SkipPort |= s.SkipsPortOnSuccess; // EXT-4
                    s.Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, read, SocketFlags.None, ref notifications);
                }
            }
            else if (op is not null)
            {
                op.Begin(this, s, socket, OperationKind.Receive, blocking: false, routine);
                op.ReceiveBuffer = buffer;
                op.ReceiveBuffers = buffers;
                op.Peek = peek;
                s.Enqueue_NeedsLock(op);
                _pendingCount++;
                result = -1;
            }
            else if (!s.Blocking)
            {
                refused = WsaError.WouldBlock; // nothing moved by this call: what the catch-up completed is still made known
                goto Refused;
            }
            else
            {
                blockingOp = BeginBlocking_NeedsLock(s, socket, OperationKind.Receive);
                blockingOp.ReceiveBuffer = buffer;
                blockingOp.ReceiveBuffers = buffers;
                blockingOp.Peek = peek;
                s.Enqueue_NeedsLock(blockingOp);
                result = -1;
            }
        }

        return EndTransfer(ref notifications, blockingOp, result);

    Refused:
        Dispatch(ref notifications); // what the queue's catch-up completed, if it ran (a refused call itself starts nothing, OVL-3)
        return refused;

    Datagram:
        return ReceiveFromAnyCore(socket, buffer, buffers, from: null, overlapped, routine);
    }

    /// <summary>
    /// The checks every send and receive makes, in the order their errors take precedence; the overlapped object is
    /// reserved last, once nothing else can fail, so that it is held by this call alone (OVL-7, OVL-11). Before the
    /// socket's own checks, its queue in that direction catches up with the connection
    /// (<see cref="ProviderSocket.IsBehindConnection_NeedsLock"/>): what that completes goes to <paramref name="notifications"/>,
    /// which the caller makes known whatever this returns.
    /// </summary>
    private WsaError CheckTransfer_NeedsLock(SocketHandle socket, WsaOverlapped? overlapped, bool send, ref Notifications notifications, out ProviderSocket? s, out OperationRecord? op)
    {
        op = null;
        var error = Find_NeedsLock(socket, out s);
        if (error != WsaError.Success)
        {
            return error;
        }

        var record = overlapped?.GetOrCreateCore(OperationRecord.Create);
        if (record is { IsBusy: true })
        {
            return WsaError.InvalidArgument; // OVL-7: in use by a pending operation or a routine not run yet.
        }

        if (overlapped is null && s!.Blocking && CheckBlockingAllowed() != WsaError.Success)
        {
            // A blocking call from inside the blocking hook, or while one runs on this thread, fails before it moves any
            // data (STA-6, OVL-3).
            return WsaError.InProgress;
        }

        if (s!.IsBehindConnection_NeedsLock(send))
        {
            CatchUpWithConnection_NeedsLock(s, ref notifications); // what the signal on its way would do (a reset: refused below)
        }

        error = s.CheckTransfer_NeedsLock(send);
        if (error != WsaError.Success)
        {
            return error;
        }

        if (record is not null && !TryReserve_NeedsLock(record))
        {
            return WsaError.InvalidArgument; // OVL-11: another provider or thread took the object meanwhile.
        }

        op = record;
        return WsaError.Success;
    }
}
