using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

internal sealed partial class ProviderSocket
{
    /// <summary>
    /// Sends what fits now, when no send is queued ahead (OVL-5 order): the bytes written, 0 when nothing fits.
    /// </summary>
    public int SendNow_NeedsLock(ReadOnlySpan<byte> data, ref Notifications notifications)
    {
        AssertLock();
        if (Sends.Count > 0 || data.IsEmpty)
        {
            return 0;
        }

        int written = End!.Send(data);
        if (written > 0)
        {
            notifications.Kick(End.Other);
        }

        if (End.TakeFaultReset())
        {
            notifications.Kick(End);
        }

        return written;
    }

    /// <summary>
    /// Receives now when no receive is queued ahead (OVL-5 order) and a receive can complete: the bytes (0 at end of
    /// stream, or for a zero-byte receive with data waiting), or -1 when it must pend. Takes the connection's gate at most
    /// once (not when nothing waits: <see cref="ConnectionEnd.Receive"/>).
    /// </summary>
    public int ReceiveNow_NeedsLock(Memory<byte> buffer, ReadOnlyMemory<WsaBuf> buffers, bool peek, ref Notifications notifications)
    {
        AssertLock();
        if (Receives.Count > 0)
        {
            return -1;
        }

        EndState after;
        int read = buffers.IsEmpty && !peek
            ? End!.Receive(buffer.Span, out after) // the usual receive: one buffer, no flag
            : ReceiveInto(new GatedAccess(End!), buffer, buffers, peek, out after);
        if (read > 0)
        {
            notifications.Kick(End!.Other);
        }

        if (read > 0)
        {
            // Re-records FD_READ while data remains, and FD_CLOSE once this receive drained the data before the FIN.
            if (after.Available > 0)
            {
                RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
            }

            if (after.EndOfStream)
            {
                RecordCloseOnce_NeedsLock(WsaError.Success, ref notifications);
            }
        }

        return read;
    }

    /// <summary>
    /// Whether a send or receive about to be decided must first let this socket catch up with its connection. A peer's
    /// step (data, a FIN, room made by a read, a reset) reaches the connection under its gate and this socket afterwards,
    /// through a signal that another thread may still be delivering, or that this thread defers while it delivers another
    /// signal (user code run from a notification). Meanwhile a new operation must not be decided against a queue that has
    /// not seen the step: queued behind receives that the peer's FIN is about to end, a receive would pend where a
    /// receive posted a moment later completes at once. So when operations are queued in that direction, or the
    /// connection was reset, the caller does now what the signal would do (its later run finds nothing left to do): a
    /// send or receive sees each peer step entirely or not at all. (The teardown's <see cref="CatchUp_NeedsLock"/> does
    /// the same for every socket before it resets any.)
    /// </summary>
    /// <param name="send">Whether a send is about to be decided (else a receive).</param>
    /// <returns>Whether the caller must catch up first.</returns>
    /// <remarks>
    /// Only a connected socket catches up: the accept socket of a pending AcceptEx is refused by the checks that follow
    /// (EXT-1) and catches up when its AcceptEx completes.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsBehindConnection_NeedsLock(bool send)
    {
        AssertLock();
        return End is { } end && ((send ? Sends.Count : Receives.Count) > 0 || end.Connection.IsReset)
            && Phase == SocketPhase.Connected && PendingAcceptEx is null;
    }

    /// <summary>
    /// Moves data between the queues and the connection: completes receives in posting order while data or end of stream
    /// is there, completes sends as room opens, sends a deferred FIN, fails everything after a reset, records events.
    /// </summary>
    public void Pump_NeedsLock(ref Notifications notifications) => Pump_NeedsLock(new GatedAccess(End!), ref notifications);

    /// <summary>The pump, on either kind of access to the end (each move gated, or the gate held by a teardown).</summary>
    private void Pump_NeedsLock<TAccess>(TAccess end, ref Notifications notifications)
        where TAccess : struct, IEndAccess
    {
        AssertLock();
        if (PendingAcceptEx is { ExtrasIfAny.AcceptConnected: true } && !PumpAcceptEx_NeedsLock(end, skipPortOnSuccess: false, ref notifications, out _))
        {
            return; // EXT-1: the accept socket is not usable before its AcceptEx has its first data
        }

        var other = End!.Other;
        bool moved = false;
        var state = default(EndState); // the state after the last move on the end, reused below when nothing moved since
        for (var op = Receives.Head; op is not null; op = Receives.Head)
        {
            int n = ReceiveInto(end, op.ReceiveBuffer, op.ReceiveBuffers, op.Peek, out state);
            if (n < 0)
            {
                break;
            }

            moved |= n > 0;
            if (!op.TryClaim())
            {
                Debug.Fail("A queued operation was already claimed."); // every claim of a queued operation is made under this lock
                break;
            }

            Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, n, SocketFlags.None, ref notifications);
        }

        for (var op = Sends.Head; op is not null && op.Kind != OperationKind.DisconnectEx; op = Sends.Head)
        {
            int w = end.Send(op.SendBuffer.Span[op.Progress..]);
            state = default; // a send changes the state: read it again below
            op.Progress += w;
            moved |= w > 0;
            if (op.Progress < op.SendBuffer.Length)
            {
                break;
            }

            if (!op.TryClaim())
            {
                Debug.Fail("A queued operation was already claimed.");
                break;
            }

            Finish_NeedsLock(op, OperationStatus.Completed, WsaError.Success, op.Progress, SocketFlags.None, ref notifications);
        }

        if (moved)
        {
            notifications.Kick(other);
        }

        if (!state.Known)
        {
            state = end.Snapshot();
        }

        if ((Shutdown & ShutdownState.FinAfterSends) != 0 && (Sends.Count == 0 || Sends.Head!.Kind == OperationKind.DisconnectEx) && !state.IsReset)
        {
            Shutdown &= ~ShutdownState.FinAfterSends;
            if (end.Fin())
            {
                notifications.Kick(other);
            }
        }

        if (Sends.Head is { Kind: OperationKind.DisconnectEx } disconnect && (Shutdown & ShutdownState.FinAfterSends) == 0 && !state.IsReset)
        {
            EndDisconnect_NeedsLock(disconnect, ref notifications);
            if (End is null)
            {
                return; // TF_REUSE_SOCKET: the connection is no longer this socket's
            }
        }

        if (state.IsReset)
        {
            if (Phase is SocketPhase.Connected or SocketPhase.Broken)
            {
                if (Phase == SocketPhase.Connected)
                {
                    Phase = SocketPhase.Reset;
                }

                FailAll_NeedsLock(state.ResetByOther ? WsaError.ConnectionReset : WsaError.ConnectionAborted, ref notifications);
                RecordCloseOnce_NeedsLock(WsaError.ConnectionReset, ref notifications);
            }

            return;
        }

        if (state.Available > 0)
        {
            RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (state.EndOfStream)
        {
            RecordCloseOnce_NeedsLock(WsaError.Success, ref notifications);
        }

        if (state.Room > 0 && (Latches & EventLatch.WriteOwed) != 0 && Sends.Count == 0)
        {
            Latches &= ~EventLatch.WriteOwed;
            RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);
        }
    }

    /// <summary>Records a network event if selected, and lists the selected event object to set (SEL-1) or the window message to post (ASY-1).</summary>
    public void RecordEvent_NeedsLock(NetworkEvents e, WsaError error, ref Notifications notifications)
    {
        AssertLock();
        if ((SelectMask & e) == 0)
        {
            return;
        }

        if (AsyncWindow is not null)
        {
            PostEvent_NeedsLock(e, error, ref notifications); // ASY-1: a window message instead of an event
            return;
        }

        if (SelectEvent is null)
        {
            return;
        }

        Recorded |= e;
        if (e == NetworkEvents.Close)
        {
            CloseError = error;
        }

        notifications.SetEvent(SelectEvent, this);
    }

    /// <summary>Records what is already true when event select starts: a waiting connection, data, room, a close (SEL-1).</summary>
    public void RecordCurrentConditions_NeedsLock(ref Notifications notifications)
    {
        AssertLock();
        if (Phase == SocketPhase.Listening && Backlog!.Count > 0)
        {
            RecordEvent_NeedsLock(NetworkEvents.Accept, WsaError.Success, ref notifications);
        }

        if (End is not { } end)
        {
            if (!IsStream)
            {
                RecordDatagramConditions_NeedsLock(ref notifications);
            }

            return;
        }

        var state = end.Snapshot();
        if ((Latches & EventLatch.ConnectOwed) != 0)
        {
            Latches &= ~EventLatch.ConnectOwed;
            RecordEvent_NeedsLock(NetworkEvents.Connect, WsaError.Success, ref notifications);
        }

        if (state.Available > 0)
        {
            RecordEvent_NeedsLock(NetworkEvents.Read, WsaError.Success, ref notifications);
        }

        if (state.Room > 0 && !state.IsReset)
        {
            RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);
        }

        if (state.IsReset || state.EndOfStream)
        {
            RecordEvent_NeedsLock(NetworkEvents.Close, state.IsReset ? WsaError.ConnectionReset : WsaError.Success, ref notifications);
        }
    }

    /// <summary>Closes the connection of a socket whose last handle was closed, except a lingering close (the provider's): hard or graceful (CLS-4, CLS-5).</summary>
    /// <returns>The end to wait on when the close must linger (CLS-6), or null.</returns>
    public ConnectionEnd? CloseConnection_NeedsLock(bool linger, ref Notifications notifications)
    {
        AssertLock();
        SelectEvent = null;
        SelectMask = NetworkEvents.None;
        ResetBacklog_NeedsLock(ref notifications);
        if (End is not { } end)
        {
            return null;
        }

        end.Listener = null;
        if (Linger is { Enabled: true, Seconds: 0 })
        {
            // CLS-5: hard close: unsent data is discarded and the peer sees WSAECONNRESET.
            if (end.Reset())
            {
                notifications.Kick(end.Other);
            }

            return null;
        }

        if (end.Fin())
        {
            notifications.Kick(end.Other);
        }

        // CLS-6 waits for the peer to read the data; CLS-4 lets it drain in the background (the connection now belongs
        // to the network alone).
        return linger ? end : null;
    }

    /// <summary>
    /// Takes into account what the network did before a teardown (the peer wrote, read or reset), as a signal still on
    /// its way would have: those operations ended before the teardown and are notified as usual. The teardown calls it
    /// for every socket before it resets any, so no socket sees the teardown's own resets here.
    /// </summary>
    public void CatchUp_NeedsLock(ref Notifications notifications)
    {
        if (End is not null && Phase is SocketPhase.Connected or SocketPhase.Broken)
        {
            Pump_NeedsLock(ref notifications);
        }
        else
        {
            PumpDatagrams_NeedsLock(ref notifications, out _); // messages that arrived before the teardown complete their receives
        }
    }

    /// <summary>
    /// Resets the connection for the final cleanup or process death (CLN-6, PRC-2) and drops event select (CLN-9). Runs
    /// before the remaining operations are aborted (<see cref="AbortAll_NeedsLock"/>). The last catch-up and the reset are
    /// one step under the connection's gate, so a peer call that returned before the reset is seen by the socket, and one
    /// after it finds the connection reset; a reset made by another socket of the same teardown is not taken as the
    /// peer's (<paramref name="resetByTeardown"/>).
    /// </summary>
    /// <returns>Whether this reset the connection.</returns>
    /// <param name="resetByTeardown">The ends this teardown has reset so far; this socket's is added when it resets.</param>
    /// <param name="isOwnReset">Whether an end is in <paramref name="resetByTeardown"/> (made once per teardown).</param>
    /// <param name="notifications">Receives what must be made known.</param>
    public bool Abandon_NeedsLock(HashSet<ConnectionEnd> resetByTeardown, Func<ConnectionEnd, bool> isOwnReset, ref Notifications notifications)
    {
        AssertLock();
        SelectEvent = null;
        SelectMask = NetworkEvents.None;
        Recorded = NetworkEvents.None;
        bool reset = false;
        if (End is { } end)
        {
            var batch = new AbandonBatch(this, notifications);
            reset = end.ResetAfter(batch, isOwnReset, static (b, access) => b.Socket.CatchUpHeld(access, b));
            notifications = batch.Notifications;
            if (reset)
            {
                resetByTeardown.Add(end);
                notifications.Kick(end.Other);
            }
        }

        ResetBacklog_NeedsLock(ref notifications);
        HandleCount = 0;
        return reset;
    }

    private void CatchUpHeld(HeldAccess access, AbandonBatch batch)
    {
        if (Phase is SocketPhase.Connected or SocketPhase.Broken)
        {
            Pump_NeedsLock(access, ref batch.Notifications);
        }
    }

    /// <summary>Carries the notifications through the gated catch-up (a lambda cannot capture a ref).</summary>
    private sealed class AbandonBatch(ProviderSocket socket, Notifications notifications)
    {
        public ProviderSocket Socket { get; } = socket;

        public Notifications Notifications = notifications;
    }

    private void RecordCloseOnce_NeedsLock(WsaError error, ref Notifications notifications)
    {
        if ((Latches & EventLatch.CloseRecorded) == 0)
        {
            Latches |= EventLatch.CloseRecorded;
            RecordEvent_NeedsLock(NetworkEvents.Close, error, ref notifications);
        }
    }
}
