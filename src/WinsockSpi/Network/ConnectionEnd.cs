using System.Net;
using WinsockSpi.Faults;
using WinsockSpi.Tracing;
using System.Runtime.ExceptionServices;

namespace WinsockSpi.Network;

/// <summary>
/// One end of a <see cref="Connection"/>: what it reads, what it writes, and who to tell when either changes. Every
/// operation on the pipes takes the connection's gate at most once and returns what the caller needs, so no code
/// outside this module ever holds a connection lock. A receive that finds nothing waiting takes it not at all
/// (<see cref="Receive"/>).
/// </summary>
internal sealed class ConnectionEnd(Connection connection, Pipe inbound, Pipe outbound, EndPoint local, EndPoint remote)
{
    /// <summary>This thread's signal trampoline: one thread-local read per <see cref="Signal"/>.</summary>
    [ThreadStatic]
    private static SignalTrampoline? t_trampoline;

    private volatile IConnectionListener? _listener;
    private bool _faulted;
    private bool _faultReset;

    public Connection Connection { get; } = connection;

    public ConnectionEnd Other { get; set; } = null!;

    public EndPoint LocalEndPoint { get; } = local;

    public EndPoint RemoteEndPoint { get; } = remote;

    /// <summary>Gets or sets who is told when this end's pipes change: a socket, a lingering close, or nobody.</summary>
    /// <remarks>
    /// A listener is attached under the gate, so it is ordered with every write: a writer whose pass under the gate comes
    /// later sees the listener when it looks for one after that pass (and signals it), and the catch-up the attacher makes
    /// next sees every byte written before (even where it reads the count without the gate). A writer that finds no
    /// listener (<see cref="Signal"/>, or a provider skipping the kick) can therefore rely on that catch-up.
    /// </remarks>
    public IConnectionListener? Listener
    {
        get => _listener;
        set
        {
            if (value is null)
            {
                _listener = null;
                return;
            }

            using (Connection.Gate.Enter())
            {
                _listener = value;
            }
        }
    }

    /// <summary>Gets or sets whether the other end reset the connection (this end sees WSAECONNRESET). Guarded by the gate.</summary>
    internal bool ResetByOther { get; set; }

    /// <summary>
    /// Gets the pipe this end reads. Only code of this module touches it, under the gate (a receive looks at its count
    /// without it, to pend when nothing waits: <see cref="Receive"/>).
    /// </summary>
    internal Pipe Inbound { get; } = inbound;

    /// <summary>
    /// Gets the pipe this end writes. Guarded by the gate: only code of this module touches it.
    /// </summary>
    internal Pipe Outbound { get; } = outbound;

    /// <summary>Writes as much of <paramref name="data"/> as the outbound pipe has room for (none after a reset or FIN).</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The bytes written. The caller signals <see cref="Other"/> when it is above 0.</returns>
    public int Send(ReadOnlySpan<byte> data)
    {
        using (Connection.Gate.Enter())
        {
            return Connection.Faults is { } plan ? SendWithFaults_NeedsGate(data, plan) : Outbound.Write(data);
        }
    }

    /// <summary>
    /// Takes whether the last <see cref="Send"/> made a fault reset the connection: the sender then signals this end, so
    /// its socket sees the reset (WSAECONNRESET) as if the remote end had sent it.
    /// </summary>
    public bool TakeFaultReset()
    {
        bool reset = _faultReset;
        _faultReset = false;
        return reset;
    }

    /// <summary>Writes what the plan's byte faults allow, and fires the fault once the limit is reached.</summary>
    private int SendWithFaults_NeedsGate(ReadOnlySpan<byte> data, FaultPlan plan)
    {
        if (plan.ByteFault(out long limit) is not { } fault)
        {
            return Outbound.Write(data);
        }

        long room = limit - Outbound.TotalWritten;
        int written = room <= 0 ? 0 : Outbound.Write(room < data.Length ? data[..(int)room] : data);
        if (Outbound.TotalWritten >= limit && !_faulted && !Connection.IsReset)
        {
            _faulted = true;
            fault.Fire();
            bool reset = fault.Kind == FaultKind.ResetAfterBytes;
            Connection.Network.Recorder?.Record(TraceEventKind.Fault, reset ? "ResetAfterBytes" : "StallAfterBytes", 0, 0, null, null, Outbound.TotalWritten, $"{LocalEndPoint} -> {RemoteEndPoint}: {fault.Describe()}");
            if (reset)
            {
                Connection.Reset_NeedsGate(Other);
                _faultReset = true;
            }
        }

        return written;
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> if a receive can complete now, and reports the end's state afterwards. A
    /// receive completes when data waits (a zero-byte buffer then completes without taking any) or at end of stream (0
    /// bytes); it cannot while nothing waits, nor after a reset. Only the socket that owns this end calls it, under its
    /// provider's lock: it is the inbound pipe's one reader.
    /// </summary>
    /// <remarks>
    /// While nothing waits and the connection is neither reset nor past a FIN, it returns at once without the gate (a
    /// write, FIN or reset that comes meanwhile is signalled to this end afterwards, so nothing is missed). Otherwise it
    /// reads under the gate, once: a read without it is not linearizable with a write the pipe's room limits (the
    /// writer could see the room before the read while the reader sees the bytes before the write; the linearizability
    /// suite found it, seed <c>eTrls6124eJ8</c>).
    /// </remarks>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="after">The end's state after the receive.</param>
    /// <returns>The bytes received (0 at end of stream), or -1 when the receive cannot complete now.</returns>
    public int Receive(Span<byte> buffer, out EndState after)
    {
        var inbound = Inbound;
        if (inbound.Count == 0 && !inbound.Fin && !Connection.IsReset)
        {
            after = default; // nothing waiting: the receive pends, and no state is needed
            return -1;
        }

        using (Connection.Gate.Enter())
        {
            return Receive_NeedsGate(buffer, out after);
        }
    }

    /// <summary>
    /// Runs <paramref name="catchUp"/> with the connection's gate held (no other party can move bytes or reset meanwhile),
    /// then resets the connection from this end, in one step: what the socket took into account is exactly what the
    /// network had when it was reset. Runs nothing and returns false when the connection was already reset by this end
    /// or when <paramref name="skip"/> says so for a reset the other end made.
    /// </summary>
    /// <returns>Whether this call reset the connection. The caller then signals <see cref="Other"/>.</returns>
    public bool ResetAfter<TState>(TState state, Func<ConnectionEnd, bool> skip, CatchUp<TState> catchUp)
    {
        using (Connection.Gate.Enter())
        {
            if (Connection.IsReset && (!ResetByOther || skip(Other)))
            {
                return false;
            }

            catchUp(state, new HeldAccess(this));
            return Connection.Reset_NeedsGate(this);
        }
    }

    /// <summary>
    /// As <see cref="Receive"/>, but copies without consuming (MSG_PEEK), starting <paramref name="skip"/> bytes into the
    /// unread data: the bytes copied, 0 at end of stream, or -1 when nothing waits beyond <paramref name="skip"/>.
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="skip">How many unread bytes to pass over first (a later buffer of a scatter peek).</param>
    /// <param name="after">The end's state (unchanged by the peek).</param>
    /// <returns>The bytes copied, 0 at end of stream, or -1.</returns>
    public int Peek(Span<byte> buffer, int skip, out EndState after)
    {
        using (Connection.Gate.Enter())
        {
            return Peek_NeedsGate(buffer, skip, out after);
        }
    }

    internal int Peek_NeedsGate(Span<byte> buffer, int skip, out EndState after)
    {
        int n = Inbound.Count > skip ? Inbound.Peek(buffer, skip)
            : skip == 0 && Inbound.IsEndOfStream ? 0
            : -1;
        after = Snapshot_NeedsGate();
        return n;
    }

    internal int Receive_NeedsGate(Span<byte> buffer, out EndState after)
    {
        int n = Inbound.Count > 0 ? Inbound.Read(buffer)
            : Inbound.IsEndOfStream ? 0
            : -1;
        after = Snapshot_NeedsGate();
        return n;
    }

    /// <summary>Reads the end's state in one pass under the gate.</summary>
    /// <returns>The state.</returns>
    public EndState Snapshot()
    {
        using (Connection.Gate.Enter())
        {
            return Snapshot_NeedsGate();
        }
    }

    /// <summary>Resets the connection from this end: both directions drop their data; the other end sees WSAECONNRESET.</summary>
    /// <returns>Whether this call reset it (false when it already was). The caller then signals <see cref="Other"/>.</returns>
    public bool Reset() => Connection.ResetFrom(this);

    /// <summary>Queues a FIN behind the data this end already sent.</summary>
    /// <returns>Whether a FIN was queued. The caller then signals <see cref="Other"/>.</returns>
    public bool Fin() => Connection.FinFrom(this);

    /// <summary>
    /// Tells this end's listener that its pipes changed. Called with no lock held. Signals raised while this thread is
    /// already delivering one are queued and delivered by the outermost call, in order, so a transfer that bounces
    /// between two ends (each side's progress signalling the other) runs in constant stack at any size; by the time the
    /// outermost call returns, every signal it led to has been delivered.
    /// </summary>
    /// <remarks>A listener that throws (user code reached through a provider) does not stop the others: the first
    /// exception is rethrown once the queue is empty.</remarks>
    public void Signal()
    {
        if (_listener is null)
        {
            return; // nobody to tell (a listener attached later catches up on its own)
        }

        var trampoline = t_trampoline ??= new SignalTrampoline();
        if (trampoline.Running)
        {
            trampoline.Deferred.Enqueue(this);
            return;
        }

        trampoline.Running = true;
        ExceptionDispatchInfo? failure = null;
        try
        {
            var end = this;
            while (true)
            {
                try
                {
                    end._listener?.OnConnectionChanged(end);
                }
                catch (Exception ex)
                {
                    failure ??= ExceptionDispatchInfo.Capture(ex);
                }

                if (!trampoline.Deferred.TryDequeue(out end))
                {
                    break;
                }
            }
        }
        finally
        {
            trampoline.Running = false;
        }

        failure?.Throw();
    }

    /// <summary>Reads the end's state at one moment (a pipe reads no bytes and no room after a reset).</summary>
    internal EndState Snapshot_NeedsGate()
    {
        bool reset = Connection.IsReset;
        var inbound = Inbound;
        var outbound = Outbound;
        return new(reset, ResetByOther, inbound.Count, inbound.IsEndOfStream, outbound.Room, outbound.Count, outbound.Fin, Known: true);
    }
}

/// <summary>One thread's signal trampoline (<see cref="ConnectionEnd.Signal"/>).</summary>
internal sealed class SignalTrampoline
{
    /// <summary>Gets the ends signalled while this thread was already delivering a signal, in order.</summary>
    public Queue<ConnectionEnd> Deferred { get; } = new();

    /// <summary>Gets or sets whether this thread is delivering a signal.</summary>
    public bool Running { get; set; }
}

/// <summary>A catch-up run with the connection's gate held (<see cref="ConnectionEnd.ResetAfter{TState}"/>).</summary>
/// <typeparam name="TState">The caller's state.</typeparam>
/// <param name="state">The caller's state.</param>
/// <param name="access">Moves on the end, without taking the gate again.</param>
internal delegate void CatchUp<TState>(TState state, HeldAccess access);

/// <summary>What one end of a connection looks like at one moment (read under the connection's gate).</summary>
/// <param name="IsReset">The connection was reset.</param>
/// <param name="ResetByOther">The other end reset it: this end sees WSAECONNRESET.</param>
/// <param name="Available">Bytes waiting to be read.</param>
/// <param name="EndOfStream">The other end's FIN has been reached: no byte waits before it.</param>
/// <param name="Room">Bytes this end may still write.</param>
/// <param name="Unsent">Bytes this end wrote that the other end has not read (0 after a reset).</param>
/// <param name="FinSent">This end has queued its FIN.</param>
/// <param name="Known">The state was read under the gate (false for <c>default</c>: a receive that pended without it).</param>
internal readonly record struct EndState(bool IsReset, bool ResetByOther, int Available, bool EndOfStream, int Room, int Unsent, bool FinSent, bool Known);
