using System.Diagnostics;
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
/// Fields other than the core's are written by the provider that reserved the record (<see cref="OperationCore.TryReserve"/>),
/// under its lock, until the operation is published; the notification reads only what it captured before publishing.
/// </remarks>
internal sealed class OperationRecord(WsaOverlapped? overlapped) : OperationCore
{
    /// <summary>Creates the record of an overlapped object (a cached delegate: no allocation per call).</summary>
    public static readonly Func<WsaOverlapped, OperationRecord> Create = static ov => new OperationRecord(ov);

    /// <summary>Gets the caller's object; <see langword="null"/> for a blocking call.</summary>
    public WsaOverlapped? Overlapped { get; } = overlapped;

    /// <summary>The provider running the operation, from its start until it ends (read by waiters to register under its lock).</summary>
    public ProviderRuntime? Owner;

    /// <summary>The socket the operation runs on, until it ends.</summary>
    public ProviderSocket? Socket;

    /// <summary>The socket whose notifications include this operation's, from its end until it is delivered (CLN-13).</summary>
    public ProviderSocket? DeliveringFor;

    public SocketHandle Handle;

    /// <summary>The recorder of the provider that queued the completion routine, with its process and provider numbers (traces only).</summary>
    public TraceRecorder? TraceTo;

    public int TraceProcess;

    public int TraceProvider;
    public OperationKind Kind;
    public bool IsBlocking;
    public Memory<byte> ReceiveBuffer;
    public ReadOnlyMemory<byte> SendBuffer;

    /// <summary>Where a datagram receive writes the source of its message (lpFrom of WSPRecvFrom), until it ends.</summary>
    public Sockets.SourceAddress? From;

    /// <summary>Where a datagram send held back by the network goes once it may leave (WSPSendTo), until it ends.</summary>
    public System.Net.IPEndPoint? Destination;

    /// <summary>Bytes of a send already handed to the connection.</summary>
    public int Progress;

    /// <summary>The completion routine the operation was started with (OVL-4, OVL-11).</summary>
    public CompletionRoutine? Routine;

    /// <summary>The event the operation was started with: changing the object's event later does not redirect it (OVL-11).</summary>
    public WsaEvent? Event;

    /// <summary>The thread that started the operation: its routine is queued there (OVL-4, OVL-10).</summary>
    public Processes.WsaThreadId? Thread;

    /// <summary>The completion port and key of the socket when the operation ended (EXT-3).</summary>
    public CompletionPort? Port;
    public nuint CompletionKey;

    /// <summary>The result of a blocking accept.</summary>
    public SocketHandle AcceptedHandle;

    /// <summary>Ended by the final cleanup or process death: published at once, never notified (CLN-4).</summary>
    public bool Silent;

    /// <summary>The buffers of a scatter receive (EXT-5); empty for a receive into <see cref="ReceiveBuffer"/>.</summary>
    public ReadOnlyMemory<WsaBuf> ReceiveBuffers;

    /// <summary>A MSG_PEEK receive: copies without consuming (EXT-5).</summary>
    public bool Peek;

    /// <summary>No completion-port packet for this operation (EXT-4: the event's low bit, or skip-on-success).</summary>
    public bool SkipPort;

    /// <summary>The accept socket of an AcceptEx, until it ends (EXT-1).</summary>
    public ProviderSocket? AcceptSocket;

    /// <summary>An AcceptEx whose connection has arrived and that waits for the first data (EXT-1).</summary>
    public bool AcceptConnected;

    /// <summary>AcceptEx: dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength.</summary>
    public int AcceptReceiveLength;
    public int AcceptLocalLength;
    public int AcceptRemoteLength;

    /// <summary>A DisconnectEx with TF_REUSE_SOCKET (EXT-1).</summary>
    public bool ReuseSocket;

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
    public static void RunCompletionRoutine(object? context)
    {
        var op = (OperationRecord)((WsaOverlapped)context!).Core!;
        var routine = op.Routine;
        var error = op.Error;
        int bytes = op.BytesTransferred;
        var flags = op.Flags;
        if (op.TraceTo is { } trace)
        {
            trace.Record(TraceEventKind.CompletionRoutine, "CompletionRoutine", op.TraceProcess, op.TraceProvider, op.Handle, error, bytes, op.Kind.ToString());
            op.TraceTo = null;
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
        Port = null;
        CompletionKey = 0;
        AcceptedHandle = default;
        AcceptConnected = false;
        AcceptReceiveLength = AcceptLocalLength = AcceptRemoteLength = 0;
        ReuseSocket = false;
    }

    /// <summary>Asserts (Debug) that the last operation's end left the record clear: no buffers, addresses, links or delivery.</summary>
    [Conditional("DEBUG")]
    private void AssertEnded()
    {
        Debug.Assert(ReceiveBuffer.IsEmpty && ReceiveBuffers.IsEmpty && SendBuffer.IsEmpty, "The last operation's buffers were cleared when it ended.");
        Debug.Assert(From is null && Destination is null && AcceptSocket is null, "The last operation's addresses and accept socket were cleared when it ended.");
        Debug.Assert(Next is null && Prev is null && !InQueue, "The last operation left its queue.");
        Debug.Assert(NotifyNext is null && DeliveringFor is null, "The last operation was delivered.");
    }

    /// <inheritdoc/>
    protected override void AssertClaimable() => Owner?.AssertLockHeld(); // claimed under the lock of the provider that runs it
}
