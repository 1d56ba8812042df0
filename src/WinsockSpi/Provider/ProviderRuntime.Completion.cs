using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    private static readonly ApcRoutine s_runCompletionRoutine = OperationRecord.RunCompletionRoutine;

    /// <summary>WSPGetOverlappedResult: reads the outcome of an overlapped operation (OVL-6).</summary>
    /// <param name="socket">The handle the operation was started on.</param>
    /// <param name="overlapped">The overlapped object.</param>
    /// <param name="wait">Whether to wait (non-alertably: no completion routine runs) until the operation ends.</param>
    /// <returns>
    /// The bytes transferred (the receive flags are on <see cref="WsaOverlapped.Flags"/>); or WSA_IO_INCOMPLETE while pending
    /// with <paramref name="wait"/> false; the operation's error when it failed (WSA_OPERATION_ABORTED when aborted);
    /// WSA_INVALID_PARAMETER for a missing overlapped object; WSAEINVAL for one never used; WSANOTINITIALISED; WSAENOTSOCK.
    /// </returns>
    private SpiResult<int> GetOverlappedResultCore(SocketHandle socket, WsaOverlapped? overlapped, bool wait)
    {
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
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

        if (overlapped.Core is OperationRecord op && op.Status == OperationStatus.Pending)
        {
            if (!wait)
            {
                return WsaError.IOIncomplete;
            }

            // Register under the lock of the provider running the operation, which publishes under that lock.
            RegisterWaiter(op);
            try
            {
                op.WaitUntilFinished();
            }
            finally
            {
                op.RemoveWaiter();
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
    /// operation already decided is published with a fence, so a fenced registration suffices. An operation published
    /// under its provider's lock keeps that provider as its owner (<see cref="Settle_NeedsLock"/>): the registration then
    /// takes a lock it does not need, and finds the terminal status.
    /// </summary>
    /// <remarks>
    /// The owner changes only under its own lock (<c>ProviderRuntime.Binding.cs</c>), so a waiter that finds it named
    /// there registers with the provider that runs the object. A caller that waits on an object while another thread
    /// starts it again on another provider can still find no owner (its last operation was published after the lock) just
    /// before the new provider binds and starts it, and register without that provider's lock, whose publication under it
    /// may then miss the waiter. Waiting on an object one is also reusing elsewhere is a misuse of the SPI (the wait is for
    /// the operation the caller started on this provider), and is left so.
    /// </remarks>
    private static void RegisterWaiter(OperationRecord op)
    {
        while (Volatile.Read(ref op.Owner) is { } owner)
        {
            using (owner._lock.Enter())
            {
                // The object may have ended and been reused by another provider meanwhile: register with its owner.
                if (op.Owner == owner)
                {
                    op.AddWaiter();
                    return;
                }
            }
        }

        op.AddWaiter();
    }

    /// <summary>
    /// Ends an operation whose claim the caller won and that has left its queue (<paramref name="queued"/>: it was in
    /// one): the counts, the outcome, and either its publication at once (blocking calls, silent ends) or its listing for
    /// notification after the lock, with the completion port the socket has now (EXT-3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Settle_NeedsLock(ProviderSocket s, OperationRecord op, bool queued, OperationStatus status, WsaError error, int bytes, SocketFlags flags, ref Notifications notifications)
    {
        AssertLockHeld();
        if (op.IsBlocking)
        {
            _blockedCount--; // counted from BeginBlocking, queued or not
        }
        else if (queued)
        {
            _pendingCount--;
        }

        _finishedCount++;
        if (op.AcceptSocket is not null)
        {
            EndAcceptEx_NeedsLock(op, status, ref notifications); // EXT-1: the accept socket is connected, or freed again
        }

        op.SetOutcome(status, error, bytes, flags);

        // The operation no longer needs the caller's buffers or the socket object: do not keep them alive.
        op.ReleaseBuffers();
        op.Socket = null;
        if (op.IsBlocking || op.Silent || IsStatusOnly_NeedsLock(s, op, notifications))
        {
            // The last touch of the record: once published, the object is free. It stays bound to this provider, so another
            // provider takes it over under this lock, after this call leaves it (OVL-11, ProviderRuntime.Binding.cs), and
            // this provider reserves it again with a plain store. (A blocking record's own thread clears its owner once
            // the call has ended: BlockingState.Forget.)
            op.PublishUnderOwnerLock();
        }
        else
        {
            // EXT-3: the port the socket has now, not when the operation started; EXT-4: none when skipped.
            op.SetPort(op.SkipPort ? null : s.Port, s.CompletionKey);

            // Published later by Dispatch, with a fence: unbound now (under this lock), so a waiter that reads no owner
            // registers with a fence too, and the next start binds it with a compare-exchange.
            Volatile.Write(ref op.Owner, null);
            notifications.Add(op, s);
        }
    }

    /// <summary>
    /// Whether an overlapped operation's only notification is its status, which is then published at once, under the
    /// lock, like a blocking call's: no completion routine, no event, no completion port, the process's own upcall table
    /// (whose WPUCompleteOverlappedRequest has nothing else to do for it), nothing observing (no trace, log or metric
    /// records the delivery), and no operation listed before it in this batch (published after the lock, and it must not
    /// be overtaken, OVL-5). Nothing is left to deliver, so nothing is counted for quiescence (CLN-13).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsStatusOnly_NeedsLock(ProviderSocket s, OperationRecord op, in Notifications notifications)
        => op.Routine is null && op.Event is null && (op.SkipPort || s.Port is null) && notifications.FirstOperation is null
            && Upcalls is ProcessUpcalls && !ObservesDeliveries(Recorder);

    /// <summary>Whether a delivery is recorded as it is made: by a trace, a log, or a metric listener (user code, some of it).</summary>
    private bool ObservesDeliveries(TraceRecorder? recorder) => _logging || recorder is not null || Telemetry.DeliveriesObserved;

    /// <summary>
    /// Makes known, with no lock held, everything a call decided: overlapped operations are published and notified
    /// through the upcall table (a completion routine to the initiating thread's APC queue, otherwise the event it was
    /// started with and the completion port, OVL-4, OVL-11), event-select events are set, then connection ends are
    /// signalled (which may run other sockets' deliveries: <see cref="Network.ConnectionEnd.Signal"/> keeps that flat).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dispatch(ref Notifications notifications)
    {
        if (!notifications.IsEmpty) // most calls decide nothing to make known: no call at all for them
        {
            DispatchNonEmpty(ref notifications);
        }
    }

    private void DispatchNonEmpty(ref Notifications notifications)
    {
        // Every operation is published and every end signalled even if an upcall or an event throws (user code): the
        // first exception is rethrown at the end, so nothing is left claimed but unpublished, or counted but undelivered.
        ExceptionDispatchInfo? failure = null;
        if (notifications.HasDeliveries)
        {
            var upcalls = Upcalls;
            var recorder = Recorder;
            bool observe = ObservesDeliveries(recorder);
            if (!observe && upcalls is ProcessUpcalls builtIn && !notifications.HasEvents && notifications.Messages is null)
            {
                // Only operations, made known through the process's own upcall table (which sets events, posts packets
                // and queues APCs) with nothing observing (decided once, here): no user code runs until they are all
                // made known, so no close or cleanup can be called from inside them on this thread (CLN-12) and no
                // delivery scope is needed to tell it which deliveries are its own.
                DeliverOperations(notifications.FirstOperation, scope: null, builtIn, upcalls, recorder: null, observe: false, ref failure);
            }
            else
            {
                var scope = DeliveryScope.Enter(this, in notifications);
                try
                {
                    DeliverOperations(notifications.FirstOperation, scope, quiet: null, upcalls, recorder, observe, ref failure);
                    if (notifications.HasEvents)
                    {
                        notifications.SetEvents(scope, ref failure);
                    }

                    PostMessages(notifications.Messages, scope, ref failure);
                }
                finally
                {
                    scope.Exit();
                }
            }
        }

        notifications.SignalEnds(ref failure);
        failure?.Throw();
    }

    /// <summary>
    /// Publishes and notifies the batch's operations in order. <paramref name="quiet"/> is the process's own upcall table
    /// when nothing observes and no user code can run (then <paramref name="scope"/> is null and nothing is recorded).
    /// </summary>
    private void DeliverOperations(OperationRecord? first, DeliveryScope? scope, ProcessUpcalls? quiet, IUpcalls upcalls, TraceRecorder? recorder, bool observe, ref ExceptionDispatchInfo? failure)
    {
        for (var op = first; op is not null;)
        {
            // Everything the notification needs is read before Publish: once published, the caller may reuse the object.
            var next = op.NotifyNext;
            var socket = op.DeliveringFor!;
            op.NotifyNext = null;
            op.DeliveringFor = null;
            if (scope is not null)
            {
                scope.Current = socket;
                scope.NextOperation = next;
            }

            try
            {
                if (op.Routine is not null)
                {
                    QueueRoutine(op, upcalls, recorder, observe, ref failure);
                }
                else
                {
                    var completion = new OverlappedCompletion(op.Handle, op.Overlapped!, op.OutcomeError, op.BytesTransferred, op.Flags, op.Port, op.CompletionKey, op.Event);
                    var kind = op.Kind;
                    op.Publish();
                    if (quiet is not null)
                    {
                        quiet.Complete(completion, observe: false);
                    }
                    else
                    {
                        if (observe)
                        {
                            // Recorded as it is made: what the upcall table does with it (an event set, a packet posted) follows.
                            ObserveDelivery("WPUCompleteOverlappedRequest", completion.Socket, kind, completion.Error, completion.BytesTransferred, completion.Error);
                        }

                        upcalls.CompleteOverlappedRequest(completion);
                    }
                }
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                if (scope is not null)
                {
                    scope.Current = null;
                }

                socket.RemoveDelivery();
            }

            op = next;
        }
    }

    private void QueueRoutine(OperationRecord op, IUpcalls upcalls, TraceRecorder? recorder, bool observe, ref ExceptionDispatchInfo? failure)
    {
        var thread = op.Thread!;
        var (handle, kind, outcome, bytes) = (op.Handle, op.Kind, op.OutcomeError, op.BytesTransferred);
        if (recorder is not null)
        {
            var extras = op.Extras; // made only when the routine is traced (every start clears the trace: OperationExtras.Begin)
            extras.TraceTo = recorder;
            extras.TraceProcess = Process.Id;
            extras.TraceProvider = Tag;
        }

        int ticket = op.MarkApcQueued(thread, Process); // before Publish: the object stays busy until the routine runs (OVL-7)
        op.Publish();
        WsaError error;
        try
        {
            error = upcalls.QueueApc(thread, s_runCompletionRoutine, op.Overlapped);
        }
        catch (Exception ex)
        {
            error = WsaError.SystemCallFailure;
            failure ??= ExceptionDispatchInfo.Capture(ex);
        }

        if (observe)
        {
            ObserveDelivery("WPUQueueApc", handle, kind, outcome, bytes, error);
        }

        if (error != WsaError.Success)
        {
            // The routine will never run (its thread ended, OVL-10, or the table refused it): the object is free again,
            // unless it already holds another operation, which an ended thread's routine does not stop (OVL-7).
            op.ClearApc(ticket);
            Log.ApcQueueFailed(_logger, error, thread.ManagedThreadId);
        }
    }

    /// <summary>
    /// The common end of a send or receive, after the lock: notify, then either wait for the blocking call or give the
    /// byte count of a call that completed at once (a negative <paramref name="result"/> means WSA_IO_PENDING).
    /// </summary>
    private SpiResult<int> EndTransfer(ref Notifications notifications, OperationRecord? blockingOp, int result)
    {
        if (blockingOp is not null)
        {
            var outcome = DispatchThenWait(ref notifications, blockingOp);
            return outcome == WsaError.Success ? blockingOp.BytesTransferred : outcome;
        }

        Dispatch(ref notifications);
        return result >= 0 ? result : WsaError.IOPending;
    }
}
