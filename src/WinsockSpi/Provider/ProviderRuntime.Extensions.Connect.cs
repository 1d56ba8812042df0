using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

// ConnectEx and DisconnectEx (EXT-1).
public sealed partial class ProviderRuntime
{
    /// <summary>ConnectEx (EXT-1): see <see cref="ConnectExFunction"/>; obtained through <see cref="Ioctl"/>.</summary>
    /// <param name="socket">A bound, unconnected stream socket.</param>
    /// <param name="remoteEndPoint">Where to connect.</param>
    /// <param name="sendBuffer">Data sent once connected; the memory must stay untouched until the operation ends.</param>
    /// <param name="overlapped">The overlapped object.</param>
    /// <returns>
    /// The bytes of <paramref name="sendBuffer"/> sent, when the connection is made and the data fits at once (notified
    /// still, OVL-1); WSA_IO_PENDING while the data waits for room (it completes as a send does), or when the connection
    /// was refused: the operation then completes with WSAECONNREFUSED, notified, as Windows completes a refused ConnectEx.
    /// Errors that start nothing (OVL-3): WSANOTINITIALISED, WSAENOTSOCK, WSA_INVALID_PARAMETER (no overlapped object),
    /// WSAEFAULT (not an IP endpoint), WSAEAFNOSUPPORT, WSAEOPNOTSUPP (not a stream socket), WSAEINVAL (unbound or
    /// listening, or the overlapped object in use, OVL-7), WSAEISCONN.
    /// </returns>
    /// <remarks>
    /// The connection itself is made at once, as <see cref="Connect"/> makes it. Once connected, sends and receives work
    /// at once; SO_UPDATE_CONNECT_CONTEXT is accepted (<see cref="SetSocketOption"/>) and changes nothing. A socket closed
    /// while the connection is being made has its ConnectEx aborted with WSA_OPERATION_ABORTED (its event is set; the
    /// socket is gone, so no port packet).
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    private SpiResult<int> ConnectExCore(SocketHandle socket, EndPoint remoteEndPoint, ReadOnlyMemory<byte> sendBuffer, WsaOverlapped? overlapped)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ReleaseFromOtherProvider(overlapped);
        ProviderSocket s;
        OperationRecord op;
        Connection? connection = null;
        IListenerTarget? target;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckConnectEx_NeedsLock(socket, remoteEndPoint, overlapped, out var found, out var record);
            if (error != WsaError.Success)
            {
                return error;
            }

            s = found!;
            op = record!;
            op.Begin(this, s, socket, OperationKind.ConnectEx, blocking: false, routine: null);
            op.SendBuffer = sendBuffer;
            var ip = (IPEndPoint)remoteEndPoint;
            target = Network.FindListener(ip);
            if (target is not null)
            {
                connection = new Connection(Network, s.LocalEndPoint!, ip, SendBufferOf(s), target.SendBufferSize);
                s.Attach_NeedsLock(connection.Initiator, ip);
            }
        }

        // The listener is called with no provider lock held: it may be a socket of this very provider.
        bool accepted = target is not null && target.Offer(connection!);
        if (target is not null && !accepted)
        {
            connection!.Acceptor.Reset();
        }

        var notifications = default(Notifications);
        int result = -1;
        using (_lock.Enter())
        {
            // The operation is in no queue until here, so nothing else can claim it.
            bool live = _table.Find(socket) == s && (connection is null || s.End == connection.Initiator);
            if (!live)
            {
                op.TryClaim();
                // Closed (or torn down) while connecting: aborted like any pending operation of a closed socket.
                op.Silent = _startupCount == 0;
                op.SkipPort = true;
                Settle_NeedsLock(s, op, queued: false, OperationStatus.Aborted, WsaError.OperationAborted, 0, SocketFlags.None, ref notifications);
            }
            else if (!accepted)
            {
                if (connection is not null)
                {
                    s.Detach_NeedsLock();
                }

                op.TryClaim();
                Settle_NeedsLock(s, op, queued: false, OperationStatus.Failed, WsaError.ConnectionRefused, 0, SocketFlags.None, ref notifications);
            }
            else
            {
                s.RecordEvent_NeedsLock(NetworkEvents.Connect, WsaError.Success, ref notifications);
                s.RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);
                result = CompleteConnectEx_NeedsLock(s, op, sendBuffer, ref notifications);
            }
        }

        Dispatch(ref notifications);
        if (!accepted)
        {
            Log.ConnectExRefused(_logger, remoteEndPoint);
        }

        return result >= 0 ? result : WsaError.IOPending;
    }

    /// <summary>
    /// DisconnectEx (EXT-1): shuts both directions; the FIN follows the sends already queued, and the operation completes
    /// once it has gone. With <see cref="ExtensionFunctions.TF_REUSE_SOCKET"/> the socket then leaves the connection to
    /// the network (its data still drains, as after a graceful close) and is a new, unbound socket again, which AcceptEx,
    /// or bind and ConnectEx, may take. Like a send, it is decided after the socket's send queue has caught up with the
    /// connection: room the peer made, or a reset, that the socket has not been signalled yet counts.
    /// </summary>
    /// <param name="socket">A connected stream socket.</param>
    /// <param name="overlapped">The overlapped object, or <see langword="null"/> to wait (a blocking call, BLK-1) while sends are queued.</param>
    /// <param name="flags">0 or TF_REUSE_SOCKET.</param>
    /// <returns>
    /// 0 when done at once (an overlapped one still notified, OVL-1); WSA_IO_PENDING while earlier sends are queued; errors
    /// that start nothing: WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (other flags, or the overlapped object in use),
    /// WSAEOPNOTSUPP (not a stream socket), WSAENOTCONN (not connected, or already shut for sending without
    /// TF_REUSE_SOCKET), WSAEINPROGRESS (a blocking wait from a blocking hook); WSAEINTR when a blocking wait is cancelled.
    /// </returns>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    private SpiResult<int> DisconnectExCore(SocketHandle socket, WsaOverlapped? overlapped, int flags)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        OperationRecord? blockingOp = null;
        int result = 0;
        WsaError refused;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            // The checks in the order a send makes them (CheckTransfer_NeedsLock): what does not depend on the connection,
            // then the catch-up, then the connection's state, and the object reserved last. (The blocking check comes after
            // the catch-up here: a DisconnectEx blocks only while sends are queued, which the catch-up may change.)
            bool reuse = (flags & ExtensionFunctions.TF_REUSE_SOCKET) != 0;
            if ((flags & ~ExtensionFunctions.TF_REUSE_SOCKET) != 0)
            {
                return WsaError.InvalidArgument;
            }

            if (!s!.IsStream)
            {
                return WsaError.OperationNotSupported;
            }

            var op = overlapped?.GetOrCreateCore(OperationRecord.Create);
            if (op is { IsBusy: true })
            {
                return WsaError.InvalidArgument; // OVL-7: in use by a pending operation or a routine not run yet
            }

            if (s.IsBehindConnection_NeedsLock(send: true))
            {
                // As a send does (CheckTransfer_NeedsLock): the queued sends may have gone, or the connection been reset,
                // with the signal still on its way. The disconnect is decided as if posted after it.
                CatchUpWithConnection_NeedsLock(s, ref notifications);
            }

            error = s.Phase != SocketPhase.Connected || ((s.Shutdown & ShutdownState.Send) != 0 && !reuse) ? WsaError.NotConnected
                : overlapped is null && s.Sends.Count > 0 ? CheckBlockingAllowed()
                : WsaError.Success;
            if (error != WsaError.Success)
            {
                refused = error;
                goto Refused;
            }

            if (op is not null && !TryReserve_NeedsLock(op))
            {
                refused = WsaError.InvalidArgument; // OVL-11: another provider or thread took the object meanwhile
                goto Refused;
            }

            if (s.Shut_NeedsLock(SocketShutdown.Both) is { } peer)
            {
                notifications.Kick(peer);
            }

            if (s.Sends.Count > 0)
            {
                // The FIN waits for the queued sends (FinAfterSends); the disconnect completes behind them, from the pump.
                var queued = op ?? (blockingOp = BeginBlocking_NeedsLock(s, socket, OperationKind.DisconnectEx));
                if (op is not null)
                {
                    op.Begin(this, s, socket, OperationKind.DisconnectEx, blocking: false, routine: null);
                    _pendingCount++;
                }

                if (reuse)
                {
                    queued.Extras.ReuseSocket = true; // Begin cleared it
                }

                s.Enqueue_NeedsLock(queued);
                result = -1;
            }
            else
            {
                if (op is not null)
                {
                    op.Begin(this, s, socket, OperationKind.DisconnectEx, blocking: false, routine: null);
                    op.TryClaim();
                    op.SkipPort |= s.SkipsPortOnSuccess; // EXT-4
                    s.Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, 0, SocketFlags.None, ref notifications);
                }

                if (reuse)
                {
                    s.DetachForReuse_NeedsLock();
                }
            }
        }

        return EndTransfer(ref notifications, blockingOp, result);

    Refused:
        Dispatch(ref notifications); // what the catch-up completed, if it ran (a refused call itself starts nothing, OVL-3)
        return refused;
    }

    private WsaError CheckConnectEx_NeedsLock(SocketHandle socket, EndPoint remoteEndPoint, WsaOverlapped? overlapped, out ProviderSocket? s, out OperationRecord? op)
    {
        op = null;
        var error = Find_NeedsLock(socket, out s);
        if (error != WsaError.Success)
        {
            return error;
        }

        error = overlapped is null ? WsaError.InvalidParameter
            : remoteEndPoint is not IPEndPoint ip ? WsaError.Fault
            : ip.AddressFamily != s!.Family ? WsaError.AddressFamilyNotSupported
            : !s.IsStream ? WsaError.OperationNotSupported
            : s.Phase is SocketPhase.Created or SocketPhase.Listening ? WsaError.InvalidArgument
            : s.Phase is SocketPhase.Connected or SocketPhase.Reset or SocketPhase.Broken ? WsaError.IsConnected
            : WsaError.Success;
        if (error != WsaError.Success)
        {
            return error;
        }

        var record = overlapped!.GetOrCreateCore(OperationRecord.Create);
        if (record.IsBusy || !TryReserve_NeedsLock(record))
        {
            return WsaError.InvalidArgument; // OVL-7, OVL-11
        }

        op = record;
        return WsaError.Success;
    }

    /// <summary>Sends the data of a ConnectEx whose connection is made: completes it when everything fits, else queues it as a send.</summary>
    private int CompleteConnectEx_NeedsLock(ProviderSocket s, OperationRecord op, ReadOnlyMemory<byte> data, ref Notifications notifications)
    {
        int written = s.SendNow_NeedsLock(data.Span, ref notifications);
        if (written == data.Length)
        {
            op.TryClaim();
            op.SkipPort |= s.SkipsPortOnSuccess; // EXT-4
            Settle_NeedsLock(s, op, queued: false, OperationStatus.Completed, WsaError.Success, written, SocketFlags.None, ref notifications);
            return written;
        }

        op.Progress = written;
        s.Enqueue_NeedsLock(op);
        _pendingCount++;
        s.Latches |= EventLatch.WriteOwed;
        return -1;
    }

    /// <summary>The send buffer of a new connection of <paramref name="s"/>: SO_SNDBUF when set, else the provider's (OVL-9).</summary>
    private int SendBufferOf(ProviderSocket s) => s.SendBufferOption is int size and > 0 ? size : SendBufferSize;
}
