using System.Net.Sockets;
using WinsockSpi.Processes;

namespace WinsockSpi.Operations;

/// <summary>
/// The WSAOVERLAPPED of an overlapped send or receive: the caller's handle on the operation and, like the
/// Internal fields of the real structure, the operation's own state.
/// </summary>
/// <remarks>
/// <para>Reuse one object for successive operations: the simulator allocates nothing per operation
/// beyond it. It may not be reused while its operation is pending (OVL-7, WSAEINVAL).</para>
/// <para>The status is readable at any time: <see cref="Error"/> reads WSA_IO_PENDING while the operation
/// runs (OVL-2), then its final code (WSA_OPERATION_ABORTED after a close or the final cleanup, CLN-4).</para>
/// </remarks>
public sealed class WsaOverlapped
{
    // ---- The operation record (owned by the provider while Pending; guarded by the provider's lock). ----
    // Status is written with one compare-exchange from Pending to a terminal value; the winner alone
    // notifies (OVL-5). Everything else below is written only under the owning provider's lock.
    private const int Finishing = -1;
    private int _status;
    private WsaError _error;
    private int _bytes;
    private SocketFlags _flags;
    private readonly object _gate = new(); // private: a caller locking its own object must not block the provider
    private int _waiters;
    private int _terminal;
    private int _apcInFlight;

    internal object? Owner;               // the provider running the operation, while it is queued
    internal OperationKind Kind;
    internal bool IsBlocking;
    internal object? Socket;              // the provider's socket object
    internal SocketHandle Handle;
    internal Memory<byte> ReceiveBuffer;
    internal ReadOnlyMemory<byte> SendBuffer;
    internal int Progress;                // bytes of a send already handed to the connection
    internal CompletionRoutine? Routine;
    internal WsaThreadId? Thread;         // the initiating thread (OVL-4)
    internal SimulatedProcess? ApcProcess; // where its completion routine is queued, while it is
    internal CompletionPort? Port;
    internal nuint CompletionKey;
    internal SocketHandle AcceptedHandle; // result of a blocking accept
    internal WsaOverlapped? Next;         // the socket's queue (intrusive, doubly linked)
    internal WsaOverlapped? Prev;
    internal WsaOverlapped? NotifyNext;   // the list of operations to notify once the lock is released
    internal bool Silent;                 // ended by the final cleanup or process death: no notification (CLN-4)
    internal bool InQueue;

    /// <summary>Creates an overlapped object.</summary>
    /// <param name="event">The event to set when the operation ends (ignored when a completion routine is given).</param>
    public WsaOverlapped(WsaEvent? @event = null) => Event = @event;

    /// <summary>Gets or sets the event (hEvent) set when an operation without a completion routine ends.</summary>
    public WsaEvent? Event { get; set; }

    /// <summary>Gets the operation's life stage.</summary>
    public OperationStatus Status => Volatile.Read(ref _status) is var s && s == Finishing ? OperationStatus.Pending : (OperationStatus)s;

    /// <summary>Gets whether the last operation has ended (HasOverlappedIoCompleted).</summary>
    public bool IsCompleted => Status is OperationStatus.Completed or OperationStatus.Failed or OperationStatus.Aborted;

    /// <summary>Gets whether an operation is pending.</summary>
    public bool IsPending => Status == OperationStatus.Pending;

    /// <summary>
    /// Gets the status code (the Internal field): <see cref="WsaError.IOPending"/> while pending, then the outcome;
    /// <see cref="WsaError.OperationAborted"/> when a close or the final cleanup cancelled it.
    /// </summary>
    public WsaError Error => Status == OperationStatus.Pending ? WsaError.IOPending : _error;

    /// <summary>Gets the bytes transferred by the last completed operation (InternalHigh).</summary>
    public int BytesTransferred => Volatile.Read(ref _bytes);

    /// <summary>Gets the flags of the last completed receive.</summary>
    public SocketFlags Flags => _flags;

    /// <summary>Gets or sets an application value carried with the object (for example a connection id).</summary>
    public object? UserState { get; set; }

    /// <summary>Shows the status.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Status} {Error.ToSymbol()} bytes={BytesTransferred}";

    /// <summary>Prepares the record for a new operation. Caller holds the provider's lock and has checked it is not pending.</summary>
    internal void Begin(object owner, object socket, SocketHandle handle, OperationKind kind, bool blocking)
    {
        Owner = owner;
        Socket = socket;
        Handle = handle;
        Kind = kind;
        IsBlocking = blocking;
        Progress = 0;
        Routine = null;
        Port = null;
        CompletionKey = 0;
        AcceptedHandle = default;
        Next = Prev = NotifyNext = null;
        Silent = false;
        InQueue = false;
        _flags = SocketFlags.None;
        _error = WsaError.IOPending;
        Thread = WsaThreadId.Current;
        ApcProcess = null;
        Volatile.Write(ref _status, (int)OperationStatus.Pending);
    }

    /// <summary>
    /// Gets whether the object may not start a new operation: pending, or its completion routine queued and not run yet
    /// (OVL-7). A routine that can never run (its thread ended, its process terminated) no longer holds it (OVL-10).
    /// </summary>
    internal bool IsBusy => Status == OperationStatus.Pending
        || (Volatile.Read(ref _apcInFlight) != 0 && Thread is { IsAlive: true } && ApcProcess is not { IsTerminated: true });

    /// <summary>
    /// Decides who ends the operation. Completion (data from the peer, room for a send) and cancellation (close,
    /// cleanup, process death, CancelBlockingCall) race for this one compare-exchange from Pending to Finishing; the
    /// winner alone records the outcome and notifies, so every operation ends exactly once and is notified at most
    /// once (OVL-5). Readers see Finishing as still pending until <see cref="Publish"/>.
    /// </summary>
    internal bool TryClaim() => Interlocked.CompareExchange(ref _status, Finishing, (int)OperationStatus.Pending) == (int)OperationStatus.Pending;

    /// <summary>Records the outcome. Only the winner of <see cref="TryClaim"/> calls it, before <see cref="Publish"/>.</summary>
    internal void SetOutcome(OperationStatus terminal, WsaError error, int bytes, SocketFlags flags)
    {
        _terminal = (int)terminal;
        _error = error;
        _bytes = bytes;
        _flags = flags;
    }

    /// <summary>
    /// Gets the outcome recorded by <see cref="SetOutcome"/>, before <see cref="Publish"/> makes it visible:
    /// <see cref="Error"/> still reads WSA_IO_PENDING until then.
    /// </summary>
    internal WsaError OutcomeError => _error;

    /// <summary>
    /// Makes the recorded outcome visible (the status last, so a reader that sees it sees the outcome) and wakes
    /// waiters. Used with no provider lock held: a full fence between the status store and the waiter-count load
    /// pairs with the fence of <see cref="AddWaiter"/>, so one side always sees the other (no lost wake-up).
    /// </summary>
    internal void Publish()
    {
        Interlocked.Exchange(ref _status, _terminal);
        WakeWaiters();
    }

    /// <summary>
    /// <see cref="Publish"/> for the owning provider, under its lock. Every waiter registers under that same lock
    /// (<see cref="AddWaiter"/>) before it waits, so the lock already orders the status and the count: no fence.
    /// </summary>
    internal void PublishUnderOwnerLock()
    {
        Volatile.Write(ref _status, _terminal);
        WakeWaiters();
    }

    /// <summary>Registers a thread that is about to wait for the operation: under the owner's lock while it is queued.</summary>
    internal void AddWaiter() => Interlocked.Increment(ref _waiters);

    /// <summary>Removes a registration made by <see cref="AddWaiter"/>.</summary>
    internal void RemoveWaiter() => Interlocked.Decrement(ref _waiters);

    private void WakeWaiters()
    {
        if (Volatile.Read(ref _waiters) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    internal void MarkApcInFlight() => Volatile.Write(ref _apcInFlight, 1);

    internal void ClearApcInFlight() => Volatile.Write(ref _apcInFlight, 0);

    /// <summary>The APC body: runs the completion routine with the outcome (OVL-4). The object may be reused from inside the routine.</summary>
    internal void RunCompletionRoutine()
    {
        var routine = Routine;
        var error = _error;
        int bytes = _bytes;
        var flags = _flags;
        ClearApcInFlight();
        routine?.Invoke(error, bytes, this, flags);
    }

    /// <summary>
    /// Waits (non-alertably) until the operation ends or <paramref name="wake"/> says to stop waiting. The caller has
    /// registered with <see cref="AddWaiter"/>.
    /// </summary>
    internal void WaitUntilFinished(Func<bool>? wake = null)
    {
        lock (_gate)
        {
            while (Status == OperationStatus.Pending && (wake is null || !wake()))
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>Wakes a thread waiting in <see cref="WaitUntilFinished"/> so it re-checks its wake condition.</summary>
    internal void Poke()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
