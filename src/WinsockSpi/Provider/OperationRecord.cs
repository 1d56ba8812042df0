using System.Diagnostics;
using System.Runtime.InteropServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

/// <summary>
/// A provider's record of one operation: the <see cref="OperationCore"/> life shared with the caller's
/// <see cref="WsaOverlapped"/>, plus what the provider needs to run and notify it. Created once per overlapped object
/// (at its first operation) and reused for every later one; a blocking call uses its thread's own record.
/// </summary>
/// <remarks>
/// Fields other than the core's (and those of its side objects) are written by the provider that reserved the record
/// (<see cref="OperationCore.TryReserveBound"/>; a blocking call's record <see cref="OperationCore.TryReserve"/>), under its lock, and then by the thread that claimed its end and delivers it
/// (a queued routine's trace), until the operation is published; the notification reads only what it captured before
/// publishing.
/// </remarks>
internal sealed class OperationRecord(WsaOverlapped? overlapped) : OperationCore
{
    /// <summary>Creates the record of an overlapped object (a cached delegate: no allocation per call).</summary>
    public static readonly Func<WsaOverlapped, OperationRecord> Create = static ov => new OperationRecord(ov);

    /// <summary>Gets the caller's object; <see langword="null"/> for a blocking call.</summary>
    public WsaOverlapped? Overlapped { get; } = overlapped;

    /// <summary>
    /// The provider the record is bound to: the one that runs its operation, from its start, and the only one that may
    /// reserve it (read by waiters to register under its lock). It changes only under that provider's lock, or from none
    /// by one compare-exchange (<c>ProviderRuntime.Binding.cs</c>). An operation published under that lock leaves it
    /// bound, so the caller's overlapped object keeps that provider reachable until another provider takes it over (or
    /// until the object is dropped). One published after the lock unbinds it before (<see cref="ProviderRuntime.Settle_NeedsLock"/>);
    /// a blocking call's record is its thread's own, and its thread clears it once its call has ended.
    /// </summary>
    public ProviderRuntime? Owner;

    /// <summary>The socket the operation runs on, until it ends.</summary>
    public ProviderSocket? Socket;

    /// <summary>The socket whose notifications include this operation's, from its end until it is delivered (CLN-13).</summary>
    public ProviderSocket? DeliveringFor;

    public SocketHandle Handle;

    public OperationKind Kind;
    public bool IsBlocking;
    /// <summary>
    /// The caller's buffer: where a receive (or an AcceptEx) writes, or what a send (or a ConnectEx) sends. No operation
    /// has both, so <see cref="ReceiveBuffer"/> and <see cref="SendBuffer"/> share this field (one field fewer in every
    /// record the final cleanup walks, CLN-4).
    /// </summary>
    private Memory<byte> _buffer;

    /// <summary>Where a receive (or an AcceptEx) writes, until it ends.</summary>
    public Memory<byte> ReceiveBuffer
    {
        get => _buffer;
        set => _buffer = value;
    }

    /// <summary>What a send (or a ConnectEx) sends, until it ends.</summary>
    public ReadOnlyMemory<byte> SendBuffer
    {
        get => _buffer;
        set => _buffer = MemoryMarshal.AsMemory(value); // only read through this property: the caller's bytes are never written
    }

    /// <summary>Bytes of a send already handed to the connection.</summary>
    public int Progress;

    /// <summary>The completion routine the operation was started with (OVL-4, OVL-11).</summary>
    public CompletionRoutine? Routine;

    /// <summary>The event the operation was started with: changing the object's event later does not redirect it (OVL-11).</summary>
    public WsaEvent? Event;

    /// <summary>The thread that started the operation: its routine is queued there (OVL-4, OVL-10).</summary>
    public Processes.WsaThreadId? Thread;

    /// <summary>Ended by the final cleanup or process death: published at once, never notified (CLN-4).</summary>
    public bool Silent;

    /// <summary>A MSG_PEEK receive: copies without consuming (EXT-5).</summary>
    public bool Peek;

    /// <summary>No completion-port packet for this operation (EXT-4: the event's low bit, or skip-on-success).</summary>
    public bool SkipPort;

    /// <summary>
    /// What only some operations use (scatter buffers, datagram addresses, a completion port, AcceptEx, DisconnectEx,
    /// traces): made at the first such operation of this record and kept for its later ones, so that the record every
    /// operation touches stays small (the final cleanup walks every pending record: the fewer bytes each holds, the
    /// fewer it moves, CLN-4).
    /// </summary>
    private OperationExtras? _extras;

    /// <summary>The buffers of a scatter receive (EXT-5); empty for a receive into <see cref="ReceiveBuffer"/>.</summary>
    public ReadOnlyMemory<WsaBuf> ReceiveBuffers
    {
        get => _extras is { } x ? x.ReceiveBuffers : default;
        set
        {
            if (!value.IsEmpty || _extras is not null)
            {
                Extras.ReceiveBuffers = value;
            }
        }
    }

    /// <summary>Where a datagram receive writes the source of its message (lpFrom of WSPRecvFrom), until it ends.</summary>
    public Sockets.SourceAddress? From
    {
        get => _extras?.From;
        set
        {
            if (value is not null || _extras is not null)
            {
                Extras.From = value;
            }
        }
    }

    /// <summary>Where a datagram send held back by the network goes once it may leave (WSPSendTo), until it ends.</summary>
    public System.Net.IPEndPoint? Destination
    {
        get => _extras?.Destination;
        set
        {
            if (value is not null || _extras is not null)
            {
                Extras.Destination = value;
            }
        }
    }

    /// <summary>The accept socket of an AcceptEx, until it ends (EXT-1).</summary>
    public ProviderSocket? AcceptSocket => _extras?.AcceptSocket;

    /// <summary>The completion port of the socket when the operation ended, unless skipped (EXT-3, EXT-4).</summary>
    public CompletionPort? Port => _extras?.Port;

    /// <summary>The completion key of the socket when the operation ended (EXT-3).</summary>
    public nuint CompletionKey => _extras is { } x ? x.CompletionKey : 0;

    /// <summary>
    /// Captures the completion port and key at the operation's end (EXT-3). Nothing is written for a socket with neither:
    /// every start cleared them (<see cref="OperationExtras.Begin"/>).
    /// </summary>
    public void SetPort(CompletionPort? port, nuint key)
    {
        if (port is not null || key != 0)
        {
            var extras = Extras;
            extras.Port = port;
            extras.CompletionKey = key;
        }
    }

    /// <summary>The rarely used part of the record, made on first use (see <see cref="_extras"/>).</summary>
    public OperationExtras Extras => _extras ??= new OperationExtras();

    /// <summary>The rarely used part of the record, or <see langword="null"/> when no operation of this record needed it.</summary>
    public OperationExtras? ExtrasIfAny => _extras;

    // The socket's queue (intrusive, doubly linked) and the list of operations to notify once the lock is released.
    public OperationRecord? Next;
    public OperationRecord? Prev;
    public OperationRecord? NotifyNext;
    public bool InQueue;

    /// <summary>
    /// The APC body: runs the completion routine with the outcome (OVL-4). Its context is the caller's
    /// <see cref="WsaOverlapped"/>, as a real WPUQueueApc's context names the overlapped structure. The object may be
    /// reused from inside the routine.
    /// </summary>
    /// <remarks>
    /// The process was alive when the routine was taken from its thread's queue, so the object was still this routine's.
    /// If the process's termination begins before the routine runs, the object counts as free from that moment (OVL-10)
    /// and another operation may take it; the routine then does not run (no notification after the end, PRC-2). The
    /// outcome is read between two looks at the process, so what runs is this operation's.
    /// </remarks>
    public static void RunCompletionRoutine(object? context)
    {
        var op = (OperationRecord)((WsaOverlapped)context!).Core!;
        var process = op.ApcProcess; // null once a new operation has taken the object
        var routine = op.Routine;
        var error = op.Error;
        int bytes = op.BytesTransferred;
        var flags = op.Flags;
        Interlocked.MemoryBarrier(); // the reads above before the look below
        if (process is not { IsTerminated: false })
        {
            return;
        }

        if (op._extras is { TraceTo: { } trace } extras)
        {
            trace.Record(TraceEventKind.CompletionRoutine, "CompletionRoutine", extras.TraceProcess, extras.TraceProvider, op.Handle, error, bytes, op.Kind.ToString());
            extras.TraceTo = null;
        }

        Telemetry.Notification("apc");
        op.ClearApc();
        routine?.Invoke(error, bytes, op.Overlapped!, flags);
    }

    /// <summary>Fills the record for a new operation. The caller reserved it and holds its provider's lock.</summary>
    /// <remarks>
    /// A reused overlapped object usually starts on the same provider, socket, routine, event and thread as last time: a
    /// reference is written only when it changes, which skips the GC write barrier (the compares are written out: a
    /// shared generic helper for them is not inlined, and costs a call each). The buffers, addresses and accept socket
    /// were cleared when the last operation ended (<see cref="ProviderRuntime.Settle_NeedsLock"/>), its queue links when
    /// it left its queue and its delivery links when it was delivered, so they are not written again here; Debug builds
    /// check it (<see cref="AssertEnded"/>).
    /// </remarks>
    public void Begin(ProviderRuntime owner, ProviderSocket? socket, SocketHandle handle, OperationKind kind, bool blocking, CompletionRoutine? routine)
    {
        AssertEnded();
        if (!ReferenceEquals(Owner, owner))
        {
            Owner = owner;
        }

        if (!ReferenceEquals(Socket, socket))
        {
            Socket = socket;
        }

        if (!ReferenceEquals(Routine, routine))
        {
            Routine = routine;
        }

        WsaEvent? @event = null;
        bool skipPort = false;
        if (Overlapped is { } overlapped)
        {
            @event = overlapped.Event;
            skipPort = overlapped.EventHandleLowBit;
        }

        if (!ReferenceEquals(Event, @event))
        {
            Event = @event;
        }

        var thread = Processes.WsaThreadId.Current;
        if (!ReferenceEquals(Thread, thread))
        {
            Thread = thread;
        }

        Handle = handle;
        Kind = kind;
        IsBlocking = blocking;
        SkipPort = skipPort;
        Progress = 0;
        Peek = false;
        Silent = false;
        _extras?.Begin();
    }

    /// <summary>Lets go of what the operation no longer needs once it has ended: the caller's buffers and addresses (do not keep them alive).</summary>
    public void ReleaseBuffers()
    {
        _buffer = default;
        _extras?.ReleaseBuffers();
    }

    /// <summary>Asserts (Debug) that the last operation's end left the record clear: no buffers, addresses, links or delivery.</summary>
    [Conditional("DEBUG")]
    private void AssertEnded()
    {
        Debug.Assert(_buffer.IsEmpty, "The last operation's buffer was cleared when it ended.");
        Debug.Assert(_extras is null || _extras.IsEnded, "The last operation's scatter buffers, addresses and accept socket were cleared when it ended.");
        Debug.Assert(Next is null && Prev is null && !InQueue, "The last operation left its queue.");
        Debug.Assert(NotifyNext is null && DeliveringFor is null, "The last operation was delivered.");
    }

    /// <inheritdoc/>
    protected override void AssertClaimable() => Owner?.AssertLockHeld(); // claimed under the lock of the provider that runs it
}
