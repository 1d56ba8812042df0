namespace WinsockSpi.Network;

/// <summary>
/// The moves a socket makes on its end of a connection. <see cref="GatedAccess"/> takes the connection's gate for each
/// move that needs it (a receive that finds nothing waiting does not: <see cref="ConnectionEnd.Receive"/>); <see cref="HeldAccess"/> is handed out by <see cref="ConnectionEnd.ResetAfter{TState}"/> while it holds the gate,
/// so a socket can catch up and be reset in one step. Either way the gate stays inside this module.
/// </summary>
internal interface IEndAccess
{
    /// <summary>As <see cref="ConnectionEnd.Receive"/>.</summary>
    int Receive(Span<byte> buffer, out EndState after);

    /// <summary>As <see cref="ConnectionEnd.Send"/>.</summary>
    int Send(ReadOnlySpan<byte> data);

    /// <summary>As <see cref="ConnectionEnd.Peek"/>.</summary>
    int Peek(Span<byte> buffer, int skip, out EndState after);

    /// <summary>As <see cref="ConnectionEnd.Snapshot"/>.</summary>
    EndState Snapshot();

    /// <summary>As <see cref="ConnectionEnd.Fin"/>.</summary>
    bool Fin();
}

/// <summary>Moves on an end that take its connection's gate when they need it (not a receive that finds nothing waiting).</summary>
internal readonly struct GatedAccess(ConnectionEnd end) : IEndAccess
{
    public int Receive(Span<byte> buffer, out EndState after) => end.Receive(buffer, out after);

    public int Send(ReadOnlySpan<byte> data) => end.Send(data);

    public int Peek(Span<byte> buffer, int skip, out EndState after) => end.Peek(buffer, skip, out after);

    public EndState Snapshot() => end.Snapshot();

    public bool Fin() => end.Fin();
}

/// <summary>Moves on an end whose connection's gate the caller already holds (inside <see cref="ConnectionEnd.ResetAfter{TState}"/>).</summary>
internal readonly struct HeldAccess : IEndAccess
{
    private readonly ConnectionEnd _end;

    internal HeldAccess(ConnectionEnd end) => _end = end;

    public int Receive(Span<byte> buffer, out EndState after) => _end.Receive_NeedsGate(buffer, out after);

    public int Send(ReadOnlySpan<byte> data) => _end.Outbound.Write(data);

    public int Peek(Span<byte> buffer, int skip, out EndState after) => _end.Peek_NeedsGate(buffer, skip, out after);

    public EndState Snapshot() => _end.Snapshot_NeedsGate();

    public bool Fin() => _end.Connection.FinFrom_NeedsGate(_end);
}
