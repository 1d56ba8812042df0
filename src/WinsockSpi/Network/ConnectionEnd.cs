using System.Net;
using System.Runtime.ExceptionServices;

namespace WinsockSpi.Network;

/// <summary>
/// One end of a <see cref="Connection"/>: what it reads, what it writes, and who to tell when either changes. Every
/// operation on the pipes takes the connection's gate exactly once and returns what the caller needs, so no code
/// outside this module ever holds a connection lock.
/// </summary>
internal sealed class ConnectionEnd(Connection connection, Pipe inbound, Pipe outbound, EndPoint local, EndPoint remote)
{
    [ThreadStatic]
    private static Queue<ConnectionEnd>? t_deferred;

    [ThreadStatic]
    private static bool t_signalling;

    private volatile IConnectionListener? _listener;

    public Connection Connection { get; } = connection;

    public ConnectionEnd Other { get; set; } = null!;

    public EndPoint LocalEndPoint { get; } = local;

    public EndPoint RemoteEndPoint { get; } = remote;

    /// <summary>Gets or sets who is told when this end's pipes change: a socket, a lingering close, or nobody.</summary>
    public IConnectionListener? Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Gets or sets whether the other end reset the connection (this end sees WSAECONNRESET). Guarded by the gate.</summary>
    internal bool ResetByOther { get; set; }

    /// <summary>Gets the pipe this end reads. Guarded by the gate: only code of this module touches it.</summary>
    internal Pipe Inbound { get; } = inbound;

    /// <summary>Gets the pipe this end writes. Guarded by the gate: only code of this module touches it.</summary>
    internal Pipe Outbound { get; } = outbound;

    /// <summary>Writes as much of <paramref name="data"/> as the outbound pipe has room for (none after a reset or FIN).</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The bytes written. The caller signals <see cref="Other"/> when it is above 0.</returns>
    public int Send(ReadOnlySpan<byte> data)
    {
        using (Connection.Gate.Enter())
        {
            return Outbound.Write(data);
        }
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> if a receive can complete now, and reports the end's state afterwards, in one
    /// pass under the gate. A receive completes when data waits (a zero-byte buffer then completes without taking any) or
    /// at end of stream (0 bytes); it cannot while nothing waits, nor after a reset.
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="after">The end's state after the receive.</param>
    /// <returns>The bytes received (0 at end of stream), or -1 when the receive cannot complete now.</returns>
    public int Receive(Span<byte> buffer, out EndState after)
    {
        using (Connection.Gate.Enter())
        {
            int n = Inbound.Count > 0 ? Inbound.Read(buffer)
                : Inbound.IsEndOfStream ? 0
                : -1;
            after = Snapshot_NeedsGate();
            return n;
        }
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

    /// <summary>
    /// Resets the connection from this end, keeping the bytes that already arrived here for the owner's pending receives
    /// (<see cref="Receive"/> still reads them; writes now fail). The owner then calls <see cref="DiscardArrived"/>.
    /// </summary>
    /// <returns>Whether this call reset it. The caller then signals <see cref="Other"/>.</returns>
    public bool ResetKeepingArrived() => Connection.ResetFrom(this, keepArrived: true);

    /// <summary>Drops whatever of the arrived bytes no receive took (the end of <see cref="ResetKeepingArrived"/>).</summary>
    public void DiscardArrived()
    {
        using (Connection.Gate.Enter())
        {
            Inbound.Discard();
        }
    }

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
        if (t_signalling)
        {
            (t_deferred ??= new Queue<ConnectionEnd>()).Enqueue(this);
            return;
        }

        t_signalling = true;
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

                if (t_deferred is not { Count: > 0 } deferred)
                {
                    break;
                }

                end = deferred.Dequeue();
            }
        }
        finally
        {
            t_signalling = false;
        }

        failure?.Throw();
    }

    private EndState Snapshot_NeedsGate() => new(
        Connection.IsReset,
        ResetByOther,
        Inbound.Count,
        Inbound.IsEndOfStream,
        Outbound.Room,
        Connection.IsReset ? 0 : Outbound.Count,
        Outbound.Fin);
}

/// <summary>What one end of a connection looks like at one moment (read under the connection's gate).</summary>
/// <param name="IsReset">The connection was reset.</param>
/// <param name="ResetByOther">The other end reset it: this end sees WSAECONNRESET.</param>
/// <param name="Available">Bytes waiting to be read.</param>
/// <param name="EndOfStream">The other end's FIN has been reached: no byte waits before it.</param>
/// <param name="Room">Bytes this end may still write.</param>
/// <param name="Unsent">Bytes this end wrote that the other end has not read (0 after a reset).</param>
/// <param name="FinSent">This end has queued its FIN.</param>
internal readonly record struct EndState(bool IsReset, bool ResetByOther, int Available, bool EndOfStream, int Room, int Unsent, bool FinSent);
