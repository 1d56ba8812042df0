using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// WSPCancelBlockingCall: cancels the blocking call of the calling thread, from inside its blocking hook (BLK-3).
    /// The call returns WSAEINTR; a cancelled stream send or receive leaves the stream broken (later calls other than
    /// close give WSAECONNABORTED).
    /// </summary>
    /// <returns>Success (also when the call had already completed: it then reports success); WSAEINVAL when the thread has no blocking call; WSANOTINITIALISED.</returns>
    private SpiResult CancelBlockingCallCore()
    {
        var state = t_blocking;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            if (_startupCount == 0)
            {
                return WsaError.NotInitialized;
            }

            if (state is null || state.Runtime != this || state.Operation.Status == OperationStatus.Idle)
            {
                return WsaError.InvalidArgument;
            }

            if (!EndBlocking_NeedsLock(state.Operation, breakStream: true))
            {
                return SpiResult.Success; // already ended: the call reports its own outcome
            }
        }

        Log.BlockingCallCancelled(_logger, state.Operation.Kind, Environment.CurrentManagedThreadId);
        return SpiResult.Success;
    }

    /// <summary>
    /// Starts the calling thread's blocking call on its own reusable record. The caller checked that none runs on the
    /// thread (<see cref="CheckTransfer_NeedsLock"/>, or <see cref="CheckBlockingAllowed"/>).
    /// </summary>
    private OperationRecord BeginBlocking_NeedsLock(ProviderSocket s, SocketHandle handle, OperationKind kind)
    {
        AssertLockHeld();
        var state = t_blocking ??= new BlockingState();
        state.Runtime = this;
        var op = state.Operation;
        op.TryReserve();
        op.Begin(this, s, handle, kind, blocking: true, routine: null);
        op.AddWaiter(); // the calling thread waits for it; registered under the lock (PublishUnderOwnerLock)
        _blockedCount++;
        return op;
    }

    /// <summary>Whether the calling thread may start a blocking call: not from its blocking hook, not while one runs (BLK-3).</summary>
    private static WsaError CheckBlockingAllowed()
        => t_blocking is { } state && (state.InHook || state.Operation.Status == OperationStatus.Pending) ? WsaError.InProgress : WsaError.Success;

    /// <summary>
    /// Ends the thread's blocking call with WSAEINTR if it has not ended: cancelled (a cancelled stream call breaks the
    /// stream, BLK-3), or abandoned because its wait could not be set up (user code threw; nothing stays queued).
    /// </summary>
    /// <returns>Whether this call ended it.</returns>
    private bool EndBlocking_NeedsLock(OperationRecord op, bool breakStream)
    {
        AssertLockHeld();
        if (op.Kind == OperationKind.Select && op.Status == OperationStatus.Pending)
        {
            return EndSelect_NeedsLock(op, WsaError.Interrupted); // a select has no socket of its own (SLT-2)
        }

        if (op.Status != OperationStatus.Pending || op.Socket is not { } s || !op.TryClaim())
        {
            return false;
        }

        if (breakStream && s.IsStream && op.Kind is OperationKind.Send or OperationKind.Receive && s.Phase == SocketPhase.Connected)
        {
            s.Phase = SocketPhase.Broken;
        }

        var none = default(Notifications);
        s.Finish_NeedsLock(op, OperationStatus.Failed, WsaError.Interrupted, op.Kind == OperationKind.Send ? op.Progress : 0, SocketFlags.None, ref none);
        return true;
    }

    /// <summary>
    /// Makes known what the call decided, then waits for the blocking call. Should that notification throw (user code
    /// of another provider on this thread), the blocking call is ended first so nothing stays queued or blocked.
    /// </summary>
    private WsaError DispatchThenWait(ref Notifications notifications, OperationRecord op)
    {
        try
        {
            Dispatch(ref notifications);
        }
        catch
        {
            AbandonBlocking(op);
            op.RemoveWaiter();
            t_blocking!.Forget();
            throw;
        }

        return WaitBlocking(op);
    }

    /// <summary>
    /// Waits on the calling thread for its blocking call, calling the blocking hook at once and then periodically (BLK-1,
    /// BLK-2). Whatever user code throws on the way (the upcall table, the clock, the hook) ends the call first, so an
    /// exception never leaves a call queued or the thread marked as blocked.
    /// </summary>
    private WsaError WaitBlocking(OperationRecord op)
    {
        var state = t_blocking!;
        ITimer? timer = null;
        try
        {
            BlockingCallback? hook;
            try
            {
                hook = Upcalls.QueryBlockingCallback();
                if (hook is not null)
                {
                    timer = TimeProvider.CreateTimer(static o => ((BlockingState)o!).Tick(), state, _hookInterval, _hookInterval);
                }
            }
            catch
            {
                AbandonBlocking(op);
                throw;
            }

            state.ConsumeTick(); // A tick left over from an earlier call is not time that passed during this one.
            while (hook is not null && op.Status == OperationStatus.Pending)
            {
                state.InHook = true;
                bool keepWaiting;
                try
                {
                    keepWaiting = hook();
                }
                catch
                {
                    // The hook failed: end the call so nothing stays queued, then let the exception out.
                    state.InHook = false;
                    AbandonBlocking(op);
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

            op.WaitUntilFinished();
            return op.Status == OperationStatus.Completed ? WsaError.Success : op.Error;
        }
        finally
        {
            timer?.Dispose();
            op.RemoveWaiter(); // registered by BeginBlocking_NeedsLock
            state.Forget();
        }
    }

    /// <summary>Ends the thread's blocking call after an exception, waits until it is published, and forgets it.</summary>
    private void AbandonBlocking(OperationRecord op)
    {
        using (_lock.Enter())
        {
            EndBlocking_NeedsLock(op, breakStream: false);
        }

        op.WaitUntilFinished();
    }

    /// <summary>The calling thread's blocking call: its reusable operation record and whether its hook is running.</summary>
    private sealed class BlockingState
    {
        private int _ticks;

        public OperationRecord Operation { get; } = new(null);

        public ProviderRuntime? Runtime { get; set; }

        public bool InHook { get; set; }

        /// <summary>
        /// Forgets the provider once the thread's call has ended, so that a thread-static record does not keep the last
        /// provider it blocked on alive. Only this thread starts the record again, so clearing its owner here cannot erase
        /// another's (an overlapped record keeps its owner: see <see cref="Settle_NeedsLock"/>).
        /// </summary>
        public void Forget()
        {
            Operation.Owner = null;
            Runtime = null;
        }

        public void Tick()
        {
            Interlocked.Increment(ref _ticks);
            Operation.Poke();
        }

        public bool ConsumeTick() => Interlocked.Exchange(ref _ticks, 0) > 0;
    }
}
