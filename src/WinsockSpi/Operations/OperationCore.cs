using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WinsockSpi.Processes;

namespace WinsockSpi.Operations;

/// <summary>
/// The life of one operation at a time, shared by every provider of the process: the status that decides who ends it,
/// its outcome, the threads waiting for it, and its completion routine while queued. A provider keeps its own fields in
/// a derived record; the <see cref="WsaOverlapped"/> a caller holds reads the published outcome from here.
/// </summary>
/// <remarks>
/// The status moves Idle or a terminal value → Pending (<see cref="TryReserveBound"/> or <see cref="TryReserve"/>, by the
/// one provider that starts the operation) → Finishing (<see cref="TryClaim"/>, by the one party that ends it) → Completed
/// | Failed | Aborted (<see cref="Publish"/>). The reservation of an overlapped object is a plain store under the lock of
/// the provider its record is bound to, which every other reservation of it needs too (the provider binds it, and takes
/// it over from another, as <c>ProviderRuntime.Binding</c> says); a blocking call's record, its thread's own, takes one
/// compare-exchange. The claim is decided under the lock of the provider holding the object, and the publication is one
/// exchange, so an object is held by one operation of one provider at a time (OVL-7, OVL-11) and every operation ends
/// exactly once (OVL-5). Readers see Finishing as still pending.
/// </remarks>
internal abstract class OperationCore
{
    private const int Finishing = -1;
    private int _status;
    private int _terminal;
    private WsaError _error;
    private int _bytes;
    private SocketFlags _flags;
    private int _waiters;
    private int _apcInFlight; // the ticket of the routine queued and not run yet; 0 for none
    private int _apcTickets; // the last ticket handed out (successive routines of one object are ordered by its status)
    private ApcTarget? _apc; // made at the first completion routine queued for this record, and kept

    /// <summary>Gets the operation's life stage (Finishing reads as Pending).</summary>
    public OperationStatus Status => Volatile.Read(ref _status) is var s && s == Finishing ? OperationStatus.Pending : (OperationStatus)s;

    /// <summary>Gets the published status code: WSA_IO_PENDING while pending, then the outcome.</summary>
    public WsaError Error => Status == OperationStatus.Pending ? WsaError.IOPending : _error;

    /// <summary>Gets the bytes of the last published outcome.</summary>
    public int BytesTransferred => Volatile.Read(ref _bytes);

    /// <summary>Gets the flags of the last published outcome.</summary>
    public SocketFlags Flags => _flags;

    /// <summary>Gets the outcome recorded by <see cref="SetOutcome"/> before it is published (only its winner reads it).</summary>
    public WsaError OutcomeError => _error;

    /// <summary>
    /// Gets whether the object may not start a new operation: pending, or its completion routine queued and not run yet
    /// (OVL-7). A routine that can never run (its thread ended, its process terminated) no longer holds it (OVL-10).
    /// </summary>
    public bool IsBusy
    {
        get
        {
            int s = Volatile.Read(ref _status);
            return s is (int)OperationStatus.Pending or Finishing || IsApcOutstanding;
        }
    }

    private bool IsApcOutstanding
        => Volatile.Read(ref _apcInFlight) != 0 && _apc is { Thread.IsAlive: true, Process: not { IsTerminated: true } };

    /// <summary>
    /// Takes the object for a new operation: from Idle or a terminal status to Pending, in one compare-exchange, unless it
    /// is busy. Two providers (or two threads) starting an operation with one object cannot both win (OVL-11). The winner
    /// then fills its record; nothing may fail after the reservation.
    /// </summary>
    /// <returns>Whether this caller now holds the object.</returns>
    public bool TryReserve()
    {
        int s = Volatile.Read(ref _status);

        // The routine's flag is set before the status is published, so a terminal status read here shows it.
        if (s is (int)OperationStatus.Pending or Finishing || IsApcOutstanding)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _status, (int)OperationStatus.Pending, s) != s)
        {
            return false;
        }

        Prepare();
        return true;
    }

    /// <summary>
    /// Takes the object for a new operation as <see cref="TryReserve"/> does, with a plain store: for a caller that holds
    /// the one lock every other reservation of this object needs (the lock of the provider the record is bound to).
    /// </summary>
    /// <returns>Whether this caller now holds the object (false while it is busy).</returns>
    public bool TryReserveBound()
    {
        if (IsBusy)
        {
            return false;
        }

        Volatile.Write(ref _status, (int)OperationStatus.Pending);
        Prepare();
        return true;
    }

    /// <summary>Clears the last outcome for the operation just reserved.</summary>
    private void Prepare()
    {
        _error = WsaError.IOPending;
        _flags = SocketFlags.None;
        _apcInFlight = 0;
        if (_apc is { } apc)
        {
            apc.Thread = null;
            apc.Process = null;
        }
    }

    /// <summary>
    /// Decides who ends the operation. Completion (data from the peer, room for a send) and cancellation (close, cleanup,
    /// process death, CancelBlockingCall) race for this step from Pending to Finishing; the winner alone records the
    /// outcome and notifies, so every operation ends exactly once and is notified at most once (OVL-5).
    /// </summary>
    /// <returns>Whether the caller won.</returns>
    /// <remarks>
    /// Every party that may end an operation does so under the lock of the provider that reserved it (the only one that
    /// knows it), so the lock decides the race and the step is a read and a store, not an interlocked one. Nobody else
    /// writes the status meanwhile: a reservation by another provider fails on Pending and Finishing, and
    /// <see cref="Publish"/> follows a won claim. Debug builds assert the lock (<see cref="AssertClaimable"/>).
    /// </remarks>
    public bool TryClaim()
    {
        AssertClaimable();
        if (Volatile.Read(ref _status) != (int)OperationStatus.Pending)
        {
            return false;
        }

        Volatile.Write(ref _status, Finishing);
        return true;
    }

    /// <summary>Records the outcome. Only the winner of <see cref="TryClaim"/> calls it, before <see cref="Publish"/>.</summary>
    public void SetOutcome(OperationStatus terminal, WsaError error, int bytes, SocketFlags flags)
    {
        _terminal = (int)terminal;
        _error = error;
        _bytes = bytes;
        _flags = flags;
    }

    /// <summary>
    /// Marks the completion routine as queued to <paramref name="thread"/> of <paramref name="process"/>, before
    /// <see cref="Publish"/>: the object stays busy until the routine runs, or can no longer run (OVL-7, OVL-10).
    /// </summary>
    /// <returns>The routine's ticket, for <see cref="ClearApc(int)"/> if it cannot be queued.</returns>
    /// <remarks>
    /// Each routine gets a new ticket. Two routines of one object are ordered by its status (the second operation was
    /// reserved after the first was published), so the count needs no interlocked step.
    /// </remarks>
    public int MarkApcQueued(WsaThreadId thread, SimulatedProcess process)
    {
        var apc = _apc ??= new ApcTarget();
        apc.Thread = thread;
        apc.Process = process;
        int ticket = _apcTickets + 1;
        ticket = ticket == 0 ? 1 : ticket;
        _apcTickets = ticket;
        Volatile.Write(ref _apcInFlight, ticket);
        return ticket;
    }

    /// <summary>
    /// Gets the process the record's last completion routine was queued in; <see langword="null"/> once a new operation
    /// has taken the object.
    /// </summary>
    public SimulatedProcess? ApcProcess => _apc is { } apc ? Volatile.Read(ref apc.Process) : null;

    /// <summary>
    /// Frees the object from its routine, which is running now: its thread is alive and its process was not terminated
    /// when the routine was taken from the queue (a terminated process runs none), so the flag is still that routine's.
    /// A termination that begins while the routine is on its way frees the object meanwhile; the routine then does not
    /// run (the provider record's <c>RunCompletionRoutine</c>) and does not clear the flag, which no longer
    /// counts (<see cref="IsBusy"/>).
    /// </summary>
    public void ClearApc() => Volatile.Write(ref _apcInFlight, 0);

    /// <summary>
    /// Frees the object from the routine of <paramref name="ticket"/>, which could not be queued, unless the object is
    /// already another operation's.
    /// </summary>
    /// <remarks>
    /// A routine queued to a thread that has ended frees the object at once (<see cref="IsBusy"/>, OVL-10), before the
    /// failed queueing comes back. By then another operation may have taken the object and queued its own routine; its
    /// flag must stay (OVL-7).
    /// </remarks>
    /// <param name="ticket">What <see cref="MarkApcQueued"/> returned.</param>
    public void ClearApc(int ticket) => Interlocked.CompareExchange(ref _apcInFlight, 0, ticket);

    /// <summary>
    /// Makes the recorded outcome visible (the status last, so a reader that sees it sees the outcome) and wakes waiters.
    /// Used with no provider lock held: the full fence of the exchange pairs with the one of <see cref="AddWaiter"/>, so
    /// one side always sees the other (no lost wake-up).
    /// </summary>
    public void Publish()
    {
        Interlocked.Exchange(ref _status, _terminal);
        WakeWaiters();
    }

    /// <summary>
    /// <see cref="Publish"/> for the owning provider, under its lock. Every waiter registers under that same lock before it
    /// waits, so the lock already orders the status and the count.
    /// </summary>
    public void PublishUnderOwnerLock()
    {
        Volatile.Write(ref _status, _terminal);
        WakeWaiters();
    }

    /// <summary>Gets how many threads are registered to wait for the operation (for tests).</summary>
    internal int WaiterCount => Volatile.Read(ref _waiters);

    /// <summary>Registers a thread that is about to wait for the operation.</summary>
    public void AddWaiter() => Interlocked.Increment(ref _waiters);

    /// <summary>Removes a registration made by <see cref="AddWaiter"/>.</summary>
    public void RemoveWaiter() => Interlocked.Decrement(ref _waiters);

    /// <summary>
    /// Waits (non-alertably) until the operation ends or <paramref name="wake"/> says to stop waiting. The caller has
    /// registered with <see cref="AddWaiter"/>.
    /// </summary>
    public void WaitUntilFinished(Func<bool>? wake = null)
    {
        // The monitor is the core itself: only the provider's code can reach it (the caller's WsaOverlapped is another
        // object, so a caller locking that never blocks the provider), and a monitor object per record would be bytes
        // the final cleanup moves for every pending operation (CLN-4).
        lock (this)
        {
            while (Status == OperationStatus.Pending && (wake is null || !wake()))
            {
                Monitor.Wait(this);
            }
        }
    }

    /// <summary>Wakes a thread waiting in <see cref="WaitUntilFinished"/> so it re-checks its wake condition.</summary>
    public void Poke()
    {
        lock (this)
        {
            Monitor.PulseAll(this);
        }
    }

    /// <summary>Asserts (Debug) that the caller of <see cref="TryClaim"/> holds the lock that decides the claim.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    protected virtual void AssertClaimable()
    {
    }

    /// <summary>Wakes the registered waiters, if any: the usual case, none, is one read inlined at the publication.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeWaiters()
    {
        if (Volatile.Read(ref _waiters) > 0)
        {
            PulseWaiters();
        }
    }

    private void PulseWaiters()
    {
        lock (this)
        {
            Monitor.PulseAll(this);
        }
    }

    /// <summary>The thread and process the record's last completion routine was queued to (OVL-4, OVL-7).</summary>
    private sealed class ApcTarget
    {
        public WsaThreadId? Thread;

        public SimulatedProcess? Process;
    }
}
