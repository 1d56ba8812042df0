using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

internal sealed partial class ProviderSocket
{
    /// <summary>Queues a pending operation (its record reserved and begun) on the queue of its kind.</summary>
    public void Enqueue_NeedsLock(OperationRecord op)
    {
        AssertLock();
        QueueOf(op.Kind).Enqueue(op);
    }

    /// <summary>
    /// Ends an operation whose claim the caller won: takes it out of its queue and settles it with the provider (counts,
    /// outcome, publication or notification).
    /// </summary>
    public void Finish_NeedsLock(OperationRecord op, OperationStatus status, WsaError error, int bytes, SocketFlags flags, ref Notifications notifications)
    {
        AssertLock();
        bool queued = op.InQueue;
        if (queued)
        {
            QueueOf(op.Kind).Remove(op);
        }

        Runtime.Settle_NeedsLock(this, op, queued, status, error, bytes, flags, ref notifications);
    }

    /// <summary>Fails every queued operation with <paramref name="error"/> (a reset), notifying each.</summary>
    public void FailAll_NeedsLock(WsaError error, ref Notifications notifications)
    {
        FailQueue_NeedsLock(ref Receives, error, ref notifications);
        FailQueue_NeedsLock(ref Sends, error, ref notifications);
        FailQueue_NeedsLock(ref Accepts, error, ref notifications);
    }

    /// <summary>
    /// Ends every operation: overlapped ones with WSA_OPERATION_ABORTED, notified after a close (CLS-2) or silently for the
    /// final cleanup (CLN-4); blocking calls with WSAEINTR (CLS-3, CLN-5).
    /// </summary>
    /// <remarks>
    /// <paramref name="receiveError"/> is the status of aborted overlapped receives: WSA_OPERATION_ABORTED, or
    /// ERROR_CONNECTION_ABORTED for a close under the Windows 10 option (EXT-6). An AcceptEx this socket is the accept socket
    /// of is aborted too (EXT-1).
    /// </remarks>
    public (int Aborted, int Interrupted) AbortAll_NeedsLock(bool silent, ref Notifications notifications, WsaError receiveError = WsaError.OperationAborted)
    {
        AssertLock();
        int aborted = 0, interrupted = 0;
        if (Receives.Head is null && Sends.Head is null && Accepts.Head is null && PendingAcceptEx is null)
        {
            return (0, 0); // the usual close: nothing pending
        }

        AbortAcceptEx_NeedsLock(silent, ref notifications, ref aborted);
        AbortQueue_NeedsLock(ref Receives, silent, ref notifications, ref aborted, ref interrupted, receiveError);
        AbortQueue_NeedsLock(ref Sends, silent, ref notifications, ref aborted, ref interrupted);
        AbortQueue_NeedsLock(ref Accepts, silent, ref notifications, ref aborted, ref interrupted);
        return (aborted, interrupted);
    }

    /// <summary>Resets every connection waiting in the backlog of a listening socket (it is closing).</summary>
    public void ResetBacklog_NeedsLock(ref Notifications notifications)
    {
        AssertLock();
        if (Backlog is null)
        {
            return;
        }

        while (Backlog.TryDequeue(out var connection))
        {
            if (connection.Acceptor.Reset())
            {
                notifications.Kick(connection.Initiator);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref OperationQueue QueueOf(OperationKind kind)
    {
        switch (kind)
        {
            case OperationKind.Receive or OperationKind.ReceiveFrom:
                return ref Receives;
            case OperationKind.Send or OperationKind.SendTo or OperationKind.ConnectEx or OperationKind.DisconnectEx:
                return ref Sends;
            default:
                return ref Accepts;
        }
    }

    private void FailQueue_NeedsLock(ref OperationQueue queue, WsaError error, ref Notifications notifications)
    {
        for (var op = queue.Head; op is not null; op = queue.Head)
        {
            if (!op.TryClaim())
            {
                // Unreachable: every claim of a queued operation is made under this lock, so this one is still Pending.
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            Finish_NeedsLock(op, OperationStatus.Failed, error, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref notifications);
        }
    }

    /// <summary>
    /// Ends a queue front to back. Each operation is unlinked as it ends and the queue is fixed once at the end, instead
    /// of relinking head and neighbour per operation: the final cleanup walks every pending operation of the process.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized at once: the final cleanup runs once per process, so tiered compilation would run this
    /// loop over up to a million operations as unoptimized code with its helpers not inlined.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AbortQueue_NeedsLock(ref OperationQueue queue, bool silent, ref Notifications notifications, ref int aborted, ref int interrupted, WsaError abortError = WsaError.OperationAborted)
    {
        var op = queue.Head;
        int ended = 0;
        while (op is not null)
        {
            if (!op.TryClaim())
            {
                // Unreachable: every claim of a queued operation is made under this provider's lock, so what is still
                // queued is still Pending. Stopping keeps the exactly-once rule should that invariant ever break.
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            var next = op.Next;
            op.Next = op.Prev = null;
            op.InQueue = false;
            ended++;
            if (op.IsBlocking)
            {
                interrupted++;
                Runtime.Settle_NeedsLock(this, op, queued: true, OperationStatus.Failed, WsaError.Interrupted, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref notifications);
            }
            else
            {
                aborted++;
                op.Silent = silent;
                Runtime.Settle_NeedsLock(this, op, queued: true, OperationStatus.Aborted, abortError, 0, SocketFlags.None, ref notifications);
            }

            op = next;
        }

        queue.Count -= ended;
        queue.Head = op;
        if (op is null)
        {
            queue.Tail = null;
        }
        else
        {
            op.Prev = null;
        }
    }
}
