using System.Diagnostics;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    [ThreadStatic]
    private static SelectSets? t_selectSets;

    /// <summary>The selects waiting in this provider; each is re-evaluated when a socket changes (SLT-2). Guarded by the lock.</summary>
    private readonly List<SelectWait> _selects = [];

    /// <summary>
    /// Whether a select of this provider waits or is about to: then every datagram arrival takes the lock to wake it
    /// (<see cref="OnDatagramArrived"/> reads this without the lock). Written under the lock: set with a full fence before
    /// a select that may wait reads its sets, cleared when no select is listed.
    /// </summary>
    private volatile bool _selectsWatched;

    /// <summary>
    /// WSPSelect: determines which sockets of the sets are ready, waiting until one is, the timeout passes, or the call is
    /// cancelled (SLT-1..3). On success only the ready handles are left in each set, in their order.
    /// </summary>
    /// <param name="checkRead">
    /// Handles to check for readability (data queued, a graceful close or reset by the peer, a connection waiting on a
    /// listening socket, a message waiting at a bound datagram socket), or <see langword="null"/>.
    /// </param>
    /// <param name="checkWrite">
    /// Handles to check for writability (connected with room in the send buffer, which includes a non-blocking connect that
    /// succeeded; a datagram socket whose send would not wait), or <see langword="null"/>.
    /// </param>
    /// <param name="checkError">Handles to check for errors (a non-blocking connect that failed), or <see langword="null"/>.</param>
    /// <param name="timeout">
    /// How long to wait, measured by <see cref="TimeProvider"/>: <see cref="TimeSpan.Zero"/> polls; <see langword="null"/>
    /// (or <see cref="Timeout.InfiniteTimeSpan"/>) waits until a socket is ready.
    /// </param>
    /// <returns>
    /// The number of ready entries over the three sets (a handle in two sets counts twice); 0 when the timeout passed (the
    /// sets are then emptied). Errors, with the sets unchanged: WSANOTINITIALISED; WSAEINVAL when every set is empty or
    /// <see langword="null"/>, or the timeout is negative; WSAENOTSOCK when a handle is not a live socket of this provider
    /// (SLT-3); WSAEINPROGRESS for a select that could wait, called from a blocking hook or during another blocking call
    /// (BLK-3); WSAEINTR when the wait is cancelled (WSPCancelBlockingCall) or ended by the final cleanup or the death of
    /// the process (SLT-2, CLN-5).
    /// </returns>
    /// <remarks>
    /// <para>A waiting select is a blocking call (BLK-1..3): the blocking hook runs on the waiting thread. A handle of the
    /// sets closed by another thread while it waits is reported ready, in every set that holds it, and is then no socket
    /// (WSAENOTSOCK). The same handle may appear in several sets, and is checked in each.</para>
    /// <para>The sets have no size limit here (the Ws2 layer's <c>fd_set</c> holds FD_SETSIZE handles). They are read
    /// once at the start and written once at the end, with no lock held: another thread must not change them meanwhile.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">A set is read-only (for example an array): the call must be able to remove entries.</exception>
    private SpiResult<int> SelectCore(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout)
    {
        CheckWritable(checkRead, nameof(checkRead));
        CheckWritable(checkWrite, nameof(checkWrite));
        CheckWritable(checkError, nameof(checkError));

        // The sets are copied into the thread's scratch arrays; a select made from inside another (from a hook, polling)
        // gets arrays of its own.
        var sets = t_selectSets ?? new SelectSets();
        t_selectSets = null;
        try
        {
            sets.Load(checkRead, checkWrite, checkError);
            var result = SelectOnSets(sets, timeout);
            if (result.IsSuccess)
            {
                sets.Store(checkRead, checkWrite, checkError);
            }

            return result;
        }
        finally
        {
            sets.Clear();
            t_selectSets = sets;
        }
    }

    private static void CheckWritable(IList<SocketHandle>? set, string name)
    {
        if (set is { IsReadOnly: true })
        {
            throw new ArgumentException("A select set must be writable: the call leaves only the ready handles in it.", name);
        }
    }

    private SpiResult<int> SelectOnSets(SelectSets sets, TimeSpan? timeout)
    {
        bool infinite = timeout is null || timeout == Timeout.InfiniteTimeSpan;
        SelectWait? wait = null;
        OperationRecord? op = null;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            if (_startupCount == 0)
            {
                return WsaError.NotInitialized;
            }

            if (sets.Total == 0 || (!infinite && timeout < TimeSpan.Zero))
            {
                return WsaError.InvalidArgument; // SLT-3: no set given; or a timeval that is not valid
            }

            for (int i = 0; i < sets.Total; i++)
            {
                if (_table.Find(sets.Handles[i]) is null)
                {
                    return WsaError.NotSocket; // SLT-3
                }
            }

            if (timeout != TimeSpan.Zero)
            {
                // It may wait: arrivals take the lock from here on, so one that comes meanwhile is seen below or wakes it.
                ArrivalWatchSeam?.Invoke(false);
                _selectsWatched = true;
                Interlocked.MemoryBarrier();
                ArrivalWatchSeam?.Invoke(true);
            }

            try
            {
                int ready = EvaluateSelect_NeedsLock(sets);
                if (ready > 0 || timeout == TimeSpan.Zero)
                {
                    return ready;
                }

                var error = CheckBlockingAllowed();
                if (error != WsaError.Success)
                {
                    return error;
                }

                // The timer is made before anything changes, so a clock that throws leaves nothing behind; it fires no
                // earlier than the lock is released (its callback takes the lock and finds the wait registered).
                wait = new SelectWait(sets, this);
                if (!infinite)
                {
                    // A clock that runs the callback inside CreateTimer would come back into this lock, which is not
                    // reentrant: the callback then only marks the wait, and the select times out here (SLT-1).
                    wait.CreatingOnThread = Environment.CurrentManagedThreadId;
                    wait.Timer = TimeProvider.CreateTimer(static o => ((SelectWait)o!).Runtime.SelectTimedOut((SelectWait)o!), wait, timeout!.Value, Timeout.InfiniteTimeSpan);
                    wait.CreatingOnThread = 0;
                    if (wait.FiredWhileCreated)
                    {
                        wait.Timer.Dispose();
                        return 0; // nothing was ready (the sets are left empty), and the time is up
                    }
                }

                op = BeginBlockingSelect_NeedsLock(wait);
            }
            finally
            {
                if (op is null)
                {
                    _selectsWatched = _selects.Count > 0; // this select does not wait: ready, a poll, refused, or its clock threw
                }
            }
        }

        WsaError outcome;
        using (wait.Timer)
        {
            outcome = WaitBlocking(op);
        }

        if (outcome != WsaError.Success)
        {
            return outcome;
        }

        int count = op.BytesTransferred;
        Log.SelectEnded(_logger, sets.Total, count, wait.TimedOut);
        return count;
    }

    /// <summary>Marks the ready entries of the sets; a handle that is no longer a socket (closed meanwhile) is ready (SLT-2).</summary>
    /// <returns>The number of ready entries.</returns>
    private int EvaluateSelect_NeedsLock(SelectSets sets)
    {
        AssertLockHeld();
        int ready = 0;
        for (int i = 0; i < sets.Total; i++)
        {
            var s = _table.Find(sets.Handles[i]);
            bool isReady = s is null || (i < sets.ReadEnd ? s.IsReadable_NeedsLock()
                : i < sets.WriteEnd ? s.IsWritable_NeedsLock()
                : s.IsExceptional_NeedsLock());
            sets.Ready[i] = isReady;
            ready += isReady ? 1 : 0;
        }

        return ready;
    }

    /// <summary>Starts the calling thread's blocking call for a select: no socket, no queue; the provider's list of waiting selects holds it.</summary>
    private OperationRecord BeginBlockingSelect_NeedsLock(SelectWait wait)
    {
        AssertLockHeld();
        var state = t_blocking ??= new BlockingState();
        state.Runtime = this;
        var op = state.Operation;
        op.TryReserve();
        op.Begin(this, socket: null, default, OperationKind.Select, blocking: true, routine: null);
        op.AddWaiter(); // the calling thread waits for it; registered under the lock (PublishUnderOwnerLock)
        _blockedCount++;
        wait.Operation = op;
        _selects.Add(wait);
        return op;
    }

    /// <summary>
    /// Re-evaluates the waiting selects after a change that can make a socket ready: data, a close or reset by the peer,
    /// room to send, a connection arriving, a connect ending, a datagram arriving or held datagram sends let go, a handle
    /// closed (SLT-1, SLT-2). Those with a ready entry end.
    /// </summary>
    private void WakeSelects_NeedsLock()
    {
        AssertLockHeld();
        for (int i = _selects.Count - 1; i >= 0; i--)
        {
            var wait = _selects[i];
            int ready = EvaluateSelect_NeedsLock(wait.Sets);
            if (ready > 0)
            {
                EndSelect_NeedsLock(wait, WsaError.Success, ready);
            }
        }
    }

    /// <summary>Ends the waiting select whose blocking call is <paramref name="op"/> with <paramref name="error"/> (cancel, abandon).</summary>
    /// <returns>Whether this call ended it.</returns>
    private bool EndSelect_NeedsLock(OperationRecord op, WsaError error)
    {
        foreach (var wait in _selects)
        {
            if (wait.Operation == op)
            {
                return EndSelect_NeedsLock(wait, error, 0);
            }
        }

        return false;
    }

    /// <summary>
    /// Ends a waiting select: ready (<paramref name="ready"/> entries), timed out (0), or interrupted. Its claim decides
    /// between the wake-up, the timer, a cancel and the final cleanup, all under this lock; the winner publishes at once.
    /// </summary>
    private bool EndSelect_NeedsLock(SelectWait wait, WsaError error, int ready)
    {
        AssertLockHeld();
        var op = wait.Operation!;
        if (!op.TryClaim())
        {
            return false;
        }

        _selects.Remove(wait);
        _selectsWatched = _selects.Count > 0;
        _blockedCount--;
        _finishedCount++;
        op.SetOutcome(error == WsaError.Success ? OperationStatus.Completed : OperationStatus.Failed, error, ready, SocketFlags.None);
        op.Socket = null;
        op.PublishUnderOwnerLock(); // the last touch of the record, as in Settle_NeedsLock
        return true;
    }

    /// <summary>Ends every waiting select with WSAEINTR: the final cleanup or the death of the process (CLN-5, SLT-2).</summary>
    /// <returns>How many were ended.</returns>
    private int InterruptSelects_NeedsLock()
    {
        AssertLockHeld();
        int interrupted = 0;
        for (int i = _selects.Count - 1; i >= 0; i--)
        {
            interrupted += EndSelect_NeedsLock(_selects[i], WsaError.Interrupted, 0) ? 1 : 0;
        }

        return interrupted;
    }

    /// <summary>The timer of a select with a timeout: no socket became ready in time, so it returns 0 with empty sets (SLT-1).</summary>
    private void SelectTimedOut(SelectWait wait)
    {
        if (wait.CreatingOnThread == Environment.CurrentManagedThreadId)
        {
            wait.FiredWhileCreated = true; // run inside CreateTimer, under this thread's own hold of the lock
            return;
        }

        using (_lock.Enter())
        {
            // A select that has already ended (ready, cancelled, cleaned up) is no longer listed: the timer changes nothing.
            if (_selects.Contains(wait))
            {
                Array.Clear(wait.Sets.Ready, 0, wait.Sets.Total);
                wait.TimedOut = true; // before the end publishes it: the select's thread may read it at once
                bool ended = EndSelect_NeedsLock(wait, WsaError.Success, 0);
                Debug.Assert(ended, "A listed select is still pending, and its claim is made under this lock.");
            }
        }
    }

    /// <summary>One select waiting in a provider: its sets (the caller's scratch arrays) and its blocking call.</summary>
    private sealed class SelectWait(SelectSets sets, ProviderRuntime runtime)
    {
        public SelectSets Sets { get; } = sets;

        public ProviderRuntime Runtime { get; } = runtime;

        public OperationRecord? Operation { get; set; }

        public ITimer? Timer { get; set; }

        public bool TimedOut { get; set; }

        /// <summary>The thread creating the timer, under the lock (0 otherwise): a callback on that thread runs inside CreateTimer.</summary>
        public int CreatingOnThread { get; set; }

        /// <summary>Whether the clock ran the callback inside CreateTimer.</summary>
        public bool FiredWhileCreated { get; set; }
    }
}
