using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

// WSPIoctl and the extension functions it hands out: AcceptEx, ConnectEx, DisconnectEx (EXT-1, EXT-2).
public sealed partial class ProviderRuntime
{
    private AcceptExFunction? _acceptEx;
    private ConnectExFunction? _connectEx;
    private DisconnectExFunction? _disconnectEx;

    /// <summary>
    /// WSPIoctl: SIO_GET_EXTENSION_FUNCTION_POINTER gives the extension function named by a GUID (EXT-1); FIONBIO sets
    /// the blocking mode (as <see cref="SetBlocking"/>).
    /// </summary>
    /// <param name="socket">The handle (any socket of the provider: the functions are the provider's, not the socket's).</param>
    /// <param name="ioControlCode">The control code (<see cref="ExtensionFunctions"/>).</param>
    /// <param name="input">The input: a <see cref="Guid"/> for SIO_GET_EXTENSION_FUNCTION_POINTER (WSAID_ACCEPTEX,
    /// WSAID_CONNECTEX, WSAID_DISCONNECTEX); an <see cref="int"/>, <see cref="uint"/> or <see cref="bool"/> for FIONBIO.</param>
    /// <returns>
    /// The output: an <see cref="AcceptExFunction"/>, <see cref="ConnectExFunction"/> or <see cref="DisconnectExFunction"/>
    /// bound to this provider; <see langword="null"/> for FIONBIO. Errors: WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL for an
    /// unknown GUID, a missing or mistyped input, or an unknown control code.
    /// </returns>
    /// <remarks>Completes at once; it is not an overlapped operation. Thread-safe.</remarks>
    private SpiResult<object?> IoctlCore(SocketHandle socket, uint ioControlCode, object? input)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out _);
            if (error != WsaError.Success)
            {
                return new SpiResult<object?>(error);
            }
        }

        switch (ioControlCode)
        {
            case ExtensionFunctions.SIO_GET_EXTENSION_FUNCTION_POINTER when input is Guid id:
                object? function = id == ExtensionFunctions.WSAID_ACCEPTEX ? _acceptEx ??= AcceptEx
                    : id == ExtensionFunctions.WSAID_CONNECTEX ? _connectEx ??= ConnectEx
                    : id == ExtensionFunctions.WSAID_DISCONNECTEX ? _disconnectEx ??= DisconnectEx
                    : null;
                if (function is null)
                {
                    Log.UnknownExtension(_logger, id);
                    return new SpiResult<object?>(WsaError.InvalidArgument);
                }

                return new SpiResult<object?>(function);
            case ExtensionFunctions.FIONBIO when input is int or uint or bool:
                bool nonBlocking = input switch { int i => i != 0, uint u => u != 0, _ => (bool)input };
                var set = SetBlockingCore(socket, !nonBlocking);
                return set.IsSuccess ? new SpiResult<object?>((object?)null) : new SpiResult<object?>(set.Error);
            default:
                return new SpiResult<object?>(WsaError.InvalidArgument);
        }
    }

    /// <summary>AcceptEx (EXT-1, EXT-2): see <see cref="AcceptExFunction"/>; obtained through <see cref="Ioctl"/>.</summary>
    /// <param name="listenSocket">The listening socket.</param>
    /// <param name="acceptSocket">A new socket of the same family, neither bound nor connected, with no other AcceptEx.</param>
    /// <param name="outputBuffer">The data, then the two address areas.</param>
    /// <param name="receiveDataLength">The most bytes of first data to wait for; 0 completes on the connection alone.</param>
    /// <param name="localAddressLength">The local address area: at least <see cref="AcceptExAddresses.MinimumLength"/>.</param>
    /// <param name="remoteAddressLength">The remote address area: at least <see cref="AcceptExAddresses.MinimumLength"/>.</param>
    /// <param name="overlapped">The overlapped object.</param>
    /// <returns>
    /// The bytes received when a waiting connection (and its data, if asked for) let it complete at once, still notified
    /// (OVL-1); WSA_IO_PENDING otherwise, also when the waiting connection turns out reset before its first data (the
    /// AcceptEx has started, so its failure, WSAECONNRESET, is made known by its notification, a port packet included
    /// even with skip-on-success). Errors, which start nothing (OVL-3): WSANOTINITIALISED; WSAENOTSOCK (either
    /// socket); WSA_INVALID_PARAMETER without an overlapped object; WSAEFAULT for a negative length, an address area too
    /// small, or a buffer shorter than the three lengths; WSAEINVAL when the first socket is not listening, the accept
    /// socket is the listener, is bound, has another family or another AcceptEx, or the overlapped object is in use
    /// (OVL-7); WSAEISCONN when the accept socket is connected.
    /// </returns>
    /// <remarks>
    /// The operation belongs to the listening socket: its packet goes to the listener's port and key (EXT-3), closing the
    /// listener aborts it with WSA_OPERATION_ABORTED and notification (EXT-2, CLS-2), and the final cleanup aborts it
    /// silently (CLN-4). Closing the accept socket aborts it too, with notification. A connection it had taken before it
    /// was aborted is reset. A reset by the peer while it waits for data fails it with WSAECONNRESET (port status 64).
    /// </remarks>
    [SuppressMessage("Naming", "CA1711", Justification = "The name of the Winsock extension function.")]
    private SpiResult<int> AcceptExCore(SocketHandle listenSocket, SocketHandle acceptSocket, Memory<byte> outputBuffer, int receiveDataLength, int localAddressLength, int remoteAddressLength, WsaOverlapped? overlapped)
    {
        ReleaseFromOtherProvider(overlapped);
        var notifications = default(Notifications);
        int result;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = CheckAcceptEx_NeedsLock(listenSocket, acceptSocket, outputBuffer, receiveDataLength, localAddressLength, remoteAddressLength, overlapped, out var listener, out var accept, out var op);
            if (error != WsaError.Success)
            {
                return error;
            }

            op!.Begin(this, listener!, listenSocket, OperationKind.AcceptEx, blocking: false, routine: null);
            op.ReceiveBuffer = outputBuffer;
            op.Extras.AcceptSocket = accept;
            op.Extras.AcceptReceiveLength = receiveDataLength;
            op.Extras.AcceptLocalLength = localAddressLength;
            op.Extras.AcceptRemoteLength = remoteAddressLength;
            accept!.PendingAcceptEx = op;
            listener!.Enqueue_NeedsLock(op);
            _pendingCount++;
            result = -1;
            if (listener.Backlog!.Count > 0)
            {
                // OVL-1: completed at once, still notified. (The record itself is not read here: once its end is published
                // it belongs to the object's next start, OVL-11.)
                result = AttachAcceptEx_NeedsLock(listener, op, listener.Backlog.Dequeue(), atOnce: true, ref notifications);
            }
        }

        Dispatch(ref notifications);
        return result >= 0 ? result : WsaError.IOPending;
    }

    private WsaError CheckAcceptEx_NeedsLock(SocketHandle listenSocket, SocketHandle acceptSocket, Memory<byte> outputBuffer, int receiveDataLength, int localAddressLength, int remoteAddressLength, WsaOverlapped? overlapped, out ProviderSocket? listener, out ProviderSocket? accept, out OperationRecord? op)
    {
        accept = null;
        op = null;
        var error = Find_NeedsLock(listenSocket, out listener);
        if (error != WsaError.Success)
        {
            return error;
        }

        error = Find_NeedsLock(acceptSocket, out accept);
        if (error != WsaError.Success)
        {
            return error;
        }

        if (overlapped is null)
        {
            return WsaError.InvalidParameter;
        }

        int minimum = AcceptExAddresses.MinimumLength(listener!.Family);
        if (receiveDataLength < 0 || localAddressLength < minimum || remoteAddressLength < minimum
            || (long)receiveDataLength + localAddressLength + remoteAddressLength > outputBuffer.Length)
        {
            return WsaError.Fault;
        }

        if (listener.Phase != SocketPhase.Listening || accept == listener || accept!.Family != listener.Family || accept.PendingAcceptEx is not null)
        {
            return WsaError.InvalidArgument;
        }

        if (accept.Phase != SocketPhase.Created)
        {
            return accept.Phase is SocketPhase.Connected or SocketPhase.Reset or SocketPhase.Broken ? WsaError.IsConnected : WsaError.InvalidArgument;
        }

        var record = overlapped.GetOrCreateCore(OperationRecord.Create);
        if (record.IsBusy || !TryReserve_NeedsLock(record))
        {
            return WsaError.InvalidArgument; // OVL-7, OVL-11
        }

        op = record;
        return WsaError.Success;
    }

    /// <summary>
    /// Gives a connection to the accept socket of a queued AcceptEx (EXT-1). Without a receive length the AcceptEx
    /// completes now; otherwise it completes with the first data, now if some waits, or later from the accept socket's pump.
    /// </summary>
    /// <returns>The bytes the AcceptEx completed with now; -1 while it waits, or when a reset failed it.</returns>
    private static int AttachAcceptEx_NeedsLock(ProviderSocket listener, OperationRecord op, Connection connection, bool atOnce, ref Notifications notifications)
    {
        var accept = op.Extras.AcceptSocket!;
        accept.LocalEndPoint = (IPEndPoint)connection.Acceptor.LocalEndPoint;
        accept.Attach_NeedsLock(connection.Acceptor, connection.Acceptor.RemoteEndPoint);
        op.Extras.AcceptConnected = true;
        bool skipPortOnSuccess = atOnce && listener.SkipsPortOnSuccess; // EXT-4: only a success within the AcceptEx call
        int completedWith;
        if (op.Extras.AcceptReceiveLength == 0)
        {
            op.TryClaim();
            op.SkipPort |= skipPortOnSuccess;
            listener.Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, 0, SocketFlags.None, ref notifications);
            completedWith = 0;
        }
        else
        {
            completedWith = accept.EndAcceptExNow_NeedsLock(skipPortOnSuccess, ref notifications); // its first data may wait already
        }

        if (accept.PendingAcceptEx is null && accept.End is not null) // ended, and not by a reset that took the connection away
        {
            accept.Pump_NeedsLock(ref notifications); // records what waits (still pending, it would only look for its data again)
        }

        if (listener.Backlog!.Count > 0)
        {
            listener.RecordEvent_NeedsLock(NetworkEvents.Accept, WsaError.Success, ref notifications);
        }

        return completedWith;
    }

    /// <summary>The first AcceptEx or blocking accept of a listener still waiting for a connection (one with a connection waits for data).</summary>
    private static OperationRecord? FirstWaitingAccept(ProviderSocket listener)
    {
        for (var op = listener.Accepts.Head; op is not null; op = op.Next)
        {
            if (!op.Extras.AcceptConnected)
            {
                return op;
            }
        }

        return null;
    }

    /// <summary>
    /// The end of an AcceptEx, from <see cref="Settle_NeedsLock"/>: completed, it writes the addresses after the data and
    /// leaves the accept socket connected; otherwise the accept socket drops the connection it may have taken.
    /// </summary>
    private static void EndAcceptEx_NeedsLock(OperationRecord op, OperationStatus status, ref Notifications notifications)
    {
        var accept = op.Extras.AcceptSocket!;
        op.Extras.AcceptSocket = null;
        if (status != OperationStatus.Completed)
        {
            accept.DropAcceptedConnection_NeedsLock(ref notifications);
            return;
        }

        accept.PendingAcceptEx = null;
        var buffer = op.ReceiveBuffer.Span[op.Extras.AcceptReceiveLength..];
        AcceptExAddresses.Write(buffer[..op.Extras.AcceptLocalLength], accept.LocalEndPoint!);
        AcceptExAddresses.Write(buffer.Slice(op.Extras.AcceptLocalLength, op.Extras.AcceptRemoteLength), (IPEndPoint)accept.RemoteEndPoint!);
    }
}
