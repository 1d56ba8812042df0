using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    private static readonly ApcRoutine s_runCompletionRoutine = static context => ((WsaOverlapped)context!).RunCompletionRoutine();

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
    /// Blocking: waits for room. Errors: WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (overlapped object in use, OVL-7),
    /// WSAENOTCONN, WSAESHUTDOWN, WSAECONNRESET, WSAECONNABORTED (a cancelled call broke the stream, BLK-3),
    /// WSAEOPNOTSUPP (datagram), WSAEINTR (blocking call cancelled), WSAEINPROGRESS (from a blocking hook).
    /// A call that fails at once started nothing and is never notified (OVL-3).
    /// </returns>
    public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        var notifications = default(Notifications);
        WsaOverlapped? blockingOp = null;
        int result;
        lock (_lock)
        {
            var error = CheckTransfer_NeedsLock(socket, overlapped, send: true, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            var end = s!.End!;
            int written = 0;

            // A full pipe (read without the connection lock) means the send pends without taking it: room only opens
            // when the peer reads, and the peer signals this end afterwards; that signal's pump needs the provider lock
            // held here, so it finds this send queued and writes it. The same holds for a reset.
            if (s.Sends.Count == 0 && data.Length > 0 && end.Outbound.Room > 0)
            {
                using (end.Connection.Gate.Enter())
                {
                    written = end.Outbound.Write(data.Span);
                }

                if (written > 0)
                {
                    notifications.Kick(end.Other);
                }
            }

            if (written == data.Length)
            {
                result = written;
                if (overlapped is not null)
                {
                    // OVL-1: completed at once, and still notified.
                    Start_NeedsLock(s, socket, overlapped, OperationKind.Send, routine);
                    overlapped.TryClaim();
                    Finish_NeedsLock(s, overlapped, OperationStatus.Completed, WsaError.Success, written, SocketFlags.None, ref notifications);
                }
            }
            else if (overlapped is not null)
            {
                Start_NeedsLock(s, socket, overlapped, OperationKind.Send, routine);
                overlapped.SendBuffer = data;
                overlapped.Progress = written;
                s.Sends.Enqueue(overlapped);
                _pendingCount++;
                s.WriteBlocked = true;
                result = -1;
            }
            else if (!s.Blocking)
            {
                s.WriteBlocked = true;
                if (written == 0)
                {
                    return WsaError.WouldBlock;
                }

                result = written;
            }
            else
            {
                error = BeginBlocking_NeedsLock(s, socket, OperationKind.Send, out blockingOp);
                if (error != WsaError.Success)
                {
                    return error;
                }

                blockingOp.SendBuffer = data;
                blockingOp.Progress = written;
                s.Sends.Enqueue(blockingOp);
                result = -1;
            }
        }

        return EndTransfer(ref notifications, blockingOp, result);
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
    /// Errors: as <see cref="Send"/>, plus WSAECONNRESET after a reset by the peer (OVL-8).
    /// </returns>
    public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        var notifications = default(Notifications);
        WsaOverlapped? blockingOp = null;
        int result;
        lock (_lock)
        {
            var error = CheckTransfer_NeedsLock(socket, overlapped, send: false, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            var end = s!.End!;
            int read = -1;

            // An empty pipe without FIN (read without the connection lock) means the receive pends without taking it:
            // data, FIN and resets arrive by the peer, which signals this end afterwards; that signal's pump needs the
            // provider lock held here, so it finds this receive queued and completes it (OVL-5 order is kept).
            if (s.Receives.Count == 0 && (buffer.Length == 0 || end.Inbound.Count > 0 || end.Inbound.Fin))
            {
                using (end.Connection.Gate.Enter())
                {
                    // A zero-byte receive completes only once data is waiting, without taking any (the
                    // classic way to wait for readability without committing a buffer).
                    if (end.Inbound.Count > 0)
                    {
                        read = end.Inbound.Read(buffer.Span);
                    }
                    else if (end.Inbound.IsEndOfStream)
                    {
                        read = 0;
                    }
                }

                if (read > 0)
                {
                    notifications.Kick(end.Other);
                    RecordAfterReceive_NeedsLock(s, ref notifications);
                }
            }

            if (read >= 0)
            {
                result = read;
                if (overlapped is not null)
                {
                    // OVL-1: completed at once, and still notified.
                    Start_NeedsLock(s, socket, overlapped, OperationKind.Receive, routine);
                    overlapped.TryClaim();
                    Finish_NeedsLock(s, overlapped, OperationStatus.Completed, WsaError.Success, read, SocketFlags.None, ref notifications);
                }
            }
            else if (overlapped is not null)
            {
                Start_NeedsLock(s, socket, overlapped, OperationKind.Receive, routine);
                overlapped.ReceiveBuffer = buffer;
                s.Receives.Enqueue(overlapped);
                _pendingCount++;
                result = -1;
            }
            else if (!s.Blocking)
            {
                return WsaError.WouldBlock;
            }
            else
            {
                error = BeginBlocking_NeedsLock(s, socket, OperationKind.Receive, out blockingOp);
                if (error != WsaError.Success)
                {
                    return error;
                }

                blockingOp.ReceiveBuffer = buffer;
                s.Receives.Enqueue(blockingOp);
                result = -1;
            }
        }

        return EndTransfer(ref notifications, blockingOp, result);
    }

    /// <summary>WSPGetOverlappedResult: reads the outcome of an overlapped operation (OVL-6).</summary>
    /// <param name="socket">The handle the operation was started on.</param>
    /// <param name="overlapped">The overlapped object.</param>
    /// <param name="wait">Whether to wait (non-alertably: no completion routine runs) until the operation ends.</param>
    /// <returns>
    /// The bytes transferred (the receive flags are on <see cref="WsaOverlapped.Flags"/>); or WSA_IO_INCOMPLETE while pending
    /// with <paramref name="wait"/> false; the operation's error when it failed (WSA_OPERATION_ABORTED when aborted);
    /// WSA_INVALID_PARAMETER for a missing overlapped object; WSAEINVAL for one never used; WSANOTINITIALISED; WSAENOTSOCK.
    /// </returns>
    public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out _);
            if (error != WsaError.Success)
            {
                return error;
            }
        }

        if (overlapped is null)
        {
            return WsaError.InvalidParameter;
        }

        if (overlapped.Status == OperationStatus.Pending)
        {
            if (!wait)
            {
                return WsaError.IOIncomplete;
            }

            // Register under the lock of the provider running the operation, which publishes under that lock.
            RegisterWaiter(overlapped);

            try
            {
                overlapped.WaitUntilFinished();
            }
            finally
            {
                overlapped.RemoveWaiter();
            }
        }

        return overlapped.Status switch
        {
            OperationStatus.Completed => overlapped.BytesTransferred,
            OperationStatus.Idle => WsaError.InvalidArgument,
            _ => overlapped.Error,
        };
    }

    /// <summary>
    /// Registers a waiter under the lock of the provider running the operation, which publishes under that lock; an
    /// operation already decided is published with a fence, so a fenced registration suffices.
    /// </summary>
    private static void RegisterWaiter(WsaOverlapped overlapped)
    {
        while (Volatile.Read(ref overlapped.Owner) is ProviderRuntime owner)
        {
            lock (owner._lock)
            {
                // The object may have ended and been reused by another provider meanwhile: register with its owner.
                if (overlapped.Owner == owner)
                {
                    overlapped.AddWaiter();
                    return;
                }
            }
        }

        overlapped.AddWaiter();
    }

    /// <summary>
    /// WSPCancelBlockingCall: cancels the blocking call of the calling thread, from inside its blocking hook (BLK-3).
    /// The call returns WSAEINTR; a cancelled stream send or receive leaves the stream broken (later calls other than
    /// close give WSAECONNABORTED).
    /// </summary>
    /// <returns>Success (also when the call had already completed: it then reports success); WSAEINVAL when the thread has no blocking call; WSANOTINITIALISED.</returns>
    public SpiResult CancelBlockingCall()
    {
        var state = t_blocking;
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                return WsaError.NotInitialized;
            }

            if (state is null || state.Runtime != this || state.Operation.Status == OperationStatus.Idle)
            {
                return WsaError.InvalidArgument;
            }

            var op = state.Operation;
            if (op.Status != OperationStatus.Pending)
            {
                return SpiResult.Success;
            }

            var notifications = default(Notifications);
            if (op.Socket is not ProviderSocket s || !op.TryClaim())
            {
                return SpiResult.Success; // already ended: the call reports its own outcome
            }

            if (s.IsStream && op.Kind is OperationKind.Send or OperationKind.Receive)
            {
                s.Broken = true;
            }

            Finish_NeedsLock(s, op, OperationStatus.Failed, WsaError.Interrupted, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref notifications);
        }

        Log.BlockingCallCancelled(_logger, state.Operation.Kind, Environment.CurrentManagedThreadId);
        return SpiResult.Success;
    }

    /// <summary>
    /// WSPEventSelect: records the network events in <paramref name="events"/> and sets <paramref name="eventObject"/> when one is
    /// recorded; makes the socket non-blocking. A new call replaces the association; <see cref="NetworkEvents.None"/> removes it (SEL-1).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="eventObject">The event to set; may be <see langword="null"/> only with <see cref="NetworkEvents.None"/>.</param>
    /// <param name="events">The events to record.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (no event for a non-empty mask, or unknown bits).</returns>
    public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events)
    {
        var notifications = default(Notifications);
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if ((events & ~NetworkEvents.All) != 0 || (events != NetworkEvents.None && eventObject is null))
            {
                return WsaError.InvalidArgument;
            }

            s!.SelectEvent = events == NetworkEvents.None ? null : eventObject;
            s.SelectMask = events;
            s.Recorded = NetworkEvents.None;
            s.Blocking = false;
            if (events != NetworkEvents.None)
            {
                RecordCurrentConditions_NeedsLock(s, ref notifications);
            }
        }

        Dispatch(ref notifications);
        return SpiResult.Success;
    }

    /// <summary>WSPEnumNetworkEvents: reads and clears the events recorded since the last call, and resets <paramref name="resetEvent"/> (SEL-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="resetEvent">An event to reset, normally the selected one.</param>
    /// <returns>The recorded events and their error codes; or WSANOTINITIALISED, WSAENOTSOCK.</returns>
    public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            var recorded = s!.Recorded;
            s.Recorded = NetworkEvents.None;
            resetEvent?.Reset();
            return new NetworkEventRecord(recorded, CloseError: (recorded & NetworkEvents.Close) != 0 ? s.CloseError : WsaError.Success);
        }
    }

    /// <summary>Called (with no lock held) when a connection end of one of this provider's sockets changed.</summary>
    internal void OnConnectionChanged(ProviderSocket s, ConnectionEnd end)
    {
        var notifications = default(Notifications);
        lock (_lock)
        {
            if (s.End != end || s.HandleCount == 0)
            {
                return; // A stale signal for a socket object that has been closed or reused.
            }

            Pump_NeedsLock(s, ref notifications);
        }

        Dispatch(ref notifications);
    }

    /// <summary>
    /// Moves data between a socket's queues and its connection: completes receives in posting order while data or
    /// end-of-stream is there, completes sends as room opens, fails everything after a reset, records events.
    /// </summary>
    private void Pump_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        var end = s.End!;
        bool reset, eof, dataLeft, room;
        bool moved = false;
        using (end.Connection.Gate.Enter())
        {
            reset = end.Connection.IsReset;
            if (!reset)
            {
                for (var op = s.Receives.Head; op is not null; op = s.Receives.Head)
                {
                    int n;
                    if (end.Inbound.Count > 0)
                    {
                        n = end.Inbound.Read(op.ReceiveBuffer.Span);
                        moved |= n > 0;
                    }
                    else if (end.Inbound.IsEndOfStream)
                    {
                        n = 0;
                    }
                    else
                    {
                        break;
                    }

                    if (op.TryClaim())
                    {
                        Finish_NeedsLock(s, op, OperationStatus.Completed, WsaError.Success, n, SocketFlags.None, ref notifications);
                    }
                }

                for (var op = s.Sends.Head; op is not null; op = s.Sends.Head)
                {
                    int w = end.Outbound.Write(op.SendBuffer.Span[op.Progress..]);
                    op.Progress += w;
                    if (w > 0)
                    {
                        notifications.Kick(end.Other);
                    }

                    if (op.Progress < op.SendBuffer.Length)
                    {
                        break;
                    }

                    if (op.TryClaim())
                    {
                        Finish_NeedsLock(s, op, OperationStatus.Completed, WsaError.Success, op.Progress, SocketFlags.None, ref notifications);
                    }
                }
            }

            eof = end.Inbound.IsEndOfStream;
            dataLeft = end.Inbound.Count > 0;
            room = end.Outbound.Room > 0;
        }

        if (moved)
        {
            notifications.Kick(end.Other);
        }

        if (s.FinDeferred && s.Sends.Count == 0 && !reset)
        {
            s.FinDeferred = false;
            if (end.Connection.FinFrom(end))
            {
                notifications.Kick(end.Other);
            }
        }

        if (reset)
        {
            if (s.State != SocketState.Reset)
            {
                s.State = SocketState.Reset;
                bool byPeer;
                using (end.Connection.Gate.Enter())
                {
                    byPeer = end.ResetByOther;
                }

                FailAll_NeedsLock(s, byPeer ? WsaError.ConnectionReset : WsaError.ConnectionAborted, ref notifications);
                if (!s.FinSeen)
                {
                    s.FinSeen = true;
                    RecordEvent_NeedsLock(s, NetworkEvents.Close, WsaError.ConnectionReset, ref notifications);
                }
            }

            return;
        }

        if (dataLeft)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (eof && !s.FinSeen)
        {
            s.FinSeen = true;
            RecordEvent_NeedsLock(s, NetworkEvents.Close, WsaError.Success, ref notifications);
        }

        if (room && s.WriteBlocked && s.Sends.Count == 0)
        {
            s.WriteBlocked = false;
            RecordEvent_NeedsLock(s, NetworkEvents.Write, WsaError.Success, ref notifications);
        }
    }

    private WsaError CheckTransfer_NeedsLock(SocketHandle socket, WsaOverlapped? overlapped, bool send, out ProviderSocket? s)
    {
        var error = Find_NeedsLock(socket, out s);
        if (error != WsaError.Success)
        {
            return error;
        }

        if (overlapped is not null && overlapped.IsBusy)
        {
            return WsaError.InvalidArgument; // OVL-7: in use by a pending operation.
        }

        if (overlapped is null && s!.Blocking && t_blocking is { InHook: true })
        {
            // A blocking call from inside the blocking hook fails before it moves any data (STA-6, OVL-3).
            return WsaError.InProgress;
        }

        if (!s!.IsStream)
        {
            return WsaError.OperationNotSupported;
        }

        if (s.State != SocketState.Connected)
        {
            return s.State == SocketState.Reset ? WsaError.ConnectionReset : WsaError.NotConnected;
        }

        return (send ? s.ShutdownSend : s.ShutdownReceive) ? WsaError.Shutdown : WsaError.Success;
    }

    private void Start_NeedsLock(ProviderSocket s, SocketHandle handle, WsaOverlapped op, OperationKind kind, CompletionRoutine? routine)
    {
        op.Begin(this, s, handle, kind, blocking: false);
        op.Routine = routine;
        op.Port = s.Port;
        op.CompletionKey = s.CompletionKey;
    }

    private WsaError BeginBlocking_NeedsLock(ProviderSocket s, SocketHandle handle, OperationKind kind, out WsaOverlapped op)
    {
        var state = t_blocking ??= new BlockingState();
        if (state.InHook || state.Operation.Status == OperationStatus.Pending)
        {
            op = null!;
            return WsaError.InProgress; // A blocking call is already in progress on this thread.
        }

        state.Runtime = this;
        op = state.Operation;
        op.Begin(this, s, handle, kind, blocking: true);
        op.AddWaiter(); // the calling thread waits for it; registered under the lock (PublishUnderOwnerLock)
        _blockedCount++;
        return WsaError.Success;
    }

    /// <summary>
    /// Ends an operation whose <see cref="WsaOverlapped.TryClaim"/> the caller won: records the outcome, takes it out of
    /// its queue and either publishes it at once (blocking calls) or lists it for notification after the lock.
    /// </summary>
    private void Finish_NeedsLock(ProviderSocket s, WsaOverlapped op, OperationStatus status, WsaError error, int bytes, SocketFlags flags, ref Notifications notifications)
    {
        bool queued = op.InQueue;
        if (queued)
        {
            switch (op.Kind)
            {
                case OperationKind.Receive:
                    s.Receives.Remove(op);
                    break;
                case OperationKind.Send:
                    s.Sends.Remove(op);
                    break;
                default:
                    s.Accepts.Remove(op);
                    break;
            }
        }

        Settle_NeedsLock(op, queued, status, error, bytes, flags, ref notifications);
    }

    /// <summary>
    /// The part of <see cref="Finish_NeedsLock"/> after the operation has left its queue (<paramref name="queued"/>: it was in
    /// one): the counts, the outcome, and its publication or notification.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Settle_NeedsLock(WsaOverlapped op, bool queued, OperationStatus status, WsaError error, int bytes, SocketFlags flags, ref Notifications notifications)
    {
        if (op.IsBlocking)
        {
            _blockedCount--; // counted from BeginBlocking, queued or not
        }
        else if (queued)
        {
            _pendingCount--;
        }

        _finishedCount++;
        op.SetOutcome(status, error, bytes, flags);

        // The operation no longer needs the caller's buffers or the socket object: do not keep them alive.
        op.ReceiveBuffer = default;
        op.SendBuffer = default;
        op.Socket = null;
        if (op.IsBlocking || op.Silent)
        {
            op.PublishUnderOwnerLock();

            // Released after the status: a waiter that reads no owner then reads the terminal status.
            Volatile.Write(ref op.Owner, null);
        }
        else
        {
            // Published later by Dispatch, with a fence: a waiter that reads no owner registers with a fence too.
            Volatile.Write(ref op.Owner, null);
            notifications.Add(op);
        }
    }

    /// <summary>Fails every queued operation of a socket with <paramref name="error"/> (a reset), notifying each.</summary>
    private void FailAll_NeedsLock(ProviderSocket s, WsaError error, ref Notifications notifications)
    {
        FailQueue_NeedsLock(s, ref s.Receives, error, ref notifications);
        FailQueue_NeedsLock(s, ref s.Sends, error, ref notifications);
        FailQueue_NeedsLock(s, ref s.Accepts, error, ref notifications);
    }

    private void FailQueue_NeedsLock(ProviderSocket s, ref OperationQueue queue, WsaError error, ref Notifications notifications)
    {
        for (var op = queue.Head; op is not null; op = queue.Head)
        {
            if (!op.TryClaim())
            {
                // Unreachable: every claim of a queued operation is made under this lock, so this one is still Pending.
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            Finish_NeedsLock(s, op, OperationStatus.Failed, error, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref notifications);
        }
    }

    /// <summary>
    /// Makes known, with no lock held, everything a call decided: overlapped operations are published and notified
    /// through the upcall table (a completion routine to the initiating thread's APC queue, otherwise the event and the
    /// completion port, OVL-4), then connection ends are signalled and event-select events set.
    /// </summary>
    private void Dispatch(ref Notifications notifications)
    {
        if (notifications.IsEmpty)
        {
            return;
        }

        // Every operation is published and every end signalled even if an upcall or an event throws (user code):
        // the first exception is rethrown at the end, so nothing is left claimed but unpublished.
        ExceptionDispatchInfo? failure = null;
        var upcalls = Upcalls;
        for (var op = notifications.FirstOperation; op is not null;)
        {
            var next = op.NotifyNext;
            op.NotifyNext = null;
            var routine = op.Routine;
            if (routine is not null)
            {
                var thread = op.Thread!;
                op.ApcProcess = Process;
                op.MarkApcInFlight();
                op.Publish();
                WsaError error;
                try
                {
                    error = upcalls.QueueApc(thread, s_runCompletionRoutine, op);
                }
                catch (Exception ex)
                {
                    error = WsaError.SystemCallFailure;
                    failure ??= ExceptionDispatchInfo.Capture(ex);
                }

                if (error != WsaError.Success)
                {
                    op.ClearApcInFlight();
                    Log.ApcQueueFailed(_logger, error, thread.ManagedThreadId);
                }
            }
            else
            {
                // Captured before Publish (once published the caller may reuse the object), so the outcome is read
                // from the record: the public Error still reads WSA_IO_PENDING at this point.
                var completion = new OverlappedCompletion(op.Handle, op, op.OutcomeError, op.BytesTransferred, op.Flags, op.Port, op.CompletionKey);
                op.Publish();
                try
                {
                    upcalls.CompleteOverlappedRequest(completion);
                }
                catch (Exception ex)
                {
                    failure ??= ExceptionDispatchInfo.Capture(ex);
                }
            }

            op = next;
        }

        notifications.SignalEndsAndEvents(ref failure);
        failure?.Throw();
    }

    /// <summary>
    /// The common end of a send or receive, after the lock: notify, then either wait for the blocking call or give the
    /// byte count of a call that completed at once (a negative <paramref name="result"/> means WSA_IO_PENDING).
    /// </summary>
    private SpiResult<int> EndTransfer(ref Notifications notifications, WsaOverlapped? blockingOp, int result)
    {
        if (blockingOp is not null)
        {
            var outcome = DispatchThenWait(ref notifications, blockingOp);
            return outcome == WsaError.Success ? blockingOp.BytesTransferred : outcome;
        }

        Dispatch(ref notifications);
        return result >= 0 ? result : WsaError.IOPending;
    }

    /// <summary>
    /// Makes known what the call decided, then waits for the blocking call. Should that notification throw (user code
    /// of another provider on this thread), the blocking call is ended first so nothing stays queued or blocked.
    /// </summary>
    private WsaError DispatchThenWait(ref Notifications notifications, WsaOverlapped op)
    {
        try
        {
            Dispatch(ref notifications);
        }
        catch
        {
            CancelBlockingCall();
            op.WaitUntilFinished();
            op.RemoveWaiter();
            t_blocking!.Runtime = null;
            throw;
        }

        return WaitBlocking(op);
    }

    /// <summary>Waits on the calling thread for its blocking call, calling the blocking hook at once and then periodically (BLK-1, BLK-2).</summary>
    private WsaError WaitBlocking(WsaOverlapped op)
    {
        var state = t_blocking!;
        try
        {
            var hook = Upcalls.QueryBlockingCallback();
            state.ConsumeTick(); // A tick left over from an earlier call is not time that passed during this one.
            if (hook is null)
            {
                op.WaitUntilFinished();
            }
            else
            {
                using var timer = TimeProvider.CreateTimer(static o => ((BlockingState)o!).Tick(), state, _hookInterval, _hookInterval);
                while (op.Status == OperationStatus.Pending)
                {
                    state.InHook = true;
                    bool keepWaiting;
                    try
                    {
                        keepWaiting = hook();
                    }
                    catch
                    {
                        // The hook failed: end the call as cancelled so nothing stays queued, then let the exception out.
                        state.InHook = false;
                        CancelBlockingCall();
                        op.WaitUntilFinished();
                        throw;
                    }
                    finally
                    {
                        state.InHook = false;
                    }

                    if (!keepWaiting)
                    {
                        CancelBlockingCall();
                        break;
                    }

                    op.WaitUntilFinished(state.ConsumeTick);
                }
            }

            op.WaitUntilFinished();
            return op.Status == OperationStatus.Completed ? WsaError.Success : op.Error;
        }
        finally
        {
            op.RemoveWaiter(); // registered by BeginBlocking_NeedsLock
            state.Runtime = null;
        }
    }

    private static void RecordEvent_NeedsLock(ProviderSocket s, NetworkEvents e, WsaError error, ref Notifications notifications)
    {
        if ((s.SelectMask & e) == 0 || s.SelectEvent is null)
        {
            return;
        }

        s.Recorded |= e;
        if (e == NetworkEvents.Close)
        {
            s.CloseError = error;
        }

        notifications.SetEvent(s.SelectEvent);
    }

    /// <summary>
    /// After a receive took data straight from the connection: re-records FD_READ while data remains, and records
    /// FD_CLOSE once that receive drained the data queued before the peer's FIN (no pump sees that moment).
    /// </summary>
    private static void RecordAfterReceive_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        if (s.End is not { } end)
        {
            return;
        }

        bool left, eof;
        using (end.Connection.Gate.Enter())
        {
            left = end.Inbound.Count > 0;
            eof = end.Inbound.IsEndOfStream;
        }

        if (left)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (eof && !s.FinSeen)
        {
            s.FinSeen = true;
            RecordEvent_NeedsLock(s, NetworkEvents.Close, WsaError.Success, ref notifications);
        }
    }

    private static void RecordCurrentConditions_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        if (s.State == SocketState.Listening && s.Backlog!.Count > 0)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Accept, WsaError.Success, ref notifications);
        }

        if (s.End is not { } end)
        {
            return;
        }

        bool data, room, eof, reset;
        using (end.Connection.Gate.Enter())
        {
            reset = end.Connection.IsReset;
            data = end.Inbound.Count > 0;
            room = end.Outbound.Room > 0;
            eof = end.Inbound.IsEndOfStream;
        }

        if (s.ConnectPending)
        {
            s.ConnectPending = false;
            RecordEvent_NeedsLock(s, NetworkEvents.Connect, WsaError.Success, ref notifications);
        }

        if (data)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (room && !reset)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Write, WsaError.Success, ref notifications);
        }

        if (reset || eof)
        {
            RecordEvent_NeedsLock(s, NetworkEvents.Close, reset ? WsaError.ConnectionReset : WsaError.Success, ref notifications);
        }
    }

    /// <summary>The calling thread's blocking call: its reusable operation record and whether its hook is running.</summary>
    private sealed class BlockingState
    {
        private int _ticks;

        public WsaOverlapped Operation { get; } = new();

        public ProviderRuntime? Runtime { get; set; }

        public bool InHook { get; set; }

        public void Tick()
        {
            Interlocked.Increment(ref _ticks);
            Operation.Poke();
        }

        public bool ConsumeTick() => Interlocked.Exchange(ref _ticks, 0) > 0;
    }
}
