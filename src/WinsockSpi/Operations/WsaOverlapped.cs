using System.Net.Sockets;

namespace WinsockSpi.Operations;

/// <summary>
/// The WSAOVERLAPPED of an overlapped send or receive: the caller's handle on the operation and, like the
/// Internal fields of the real structure, the operation's published status.
/// </summary>
/// <remarks>
/// <para>Reuse one object for successive operations: the simulator allocates nothing per operation beyond it (the
/// provider's record for it is created once, at its first operation). It may not be reused while its operation is
/// pending or its completion routine has not run, by any provider of the process (OVL-7, OVL-11: WSAEINVAL).</para>
/// <para>The status is readable at any time: <see cref="Error"/> reads WSA_IO_PENDING while the operation runs
/// (OVL-2), then its final code (WSA_OPERATION_ABORTED after a close or the final cleanup, CLN-4). The event and the
/// completion routine an operation notifies are the ones it was started with: changing <see cref="Event"/> later
/// affects the next operation only (OVL-11).</para>
/// <para>Thread-safe to read.</para>
/// </remarks>
public sealed class WsaOverlapped
{
    private OperationCore? _core;

    /// <summary>Creates an overlapped object.</summary>
    /// <param name="event">The event to set when the operation ends (ignored when a completion routine is given).</param>
    public WsaOverlapped(WsaEvent? @event = null) => Event = @event;

    /// <summary>Gets or sets the event (hEvent) set when an operation without a completion routine ends. Read when an operation starts.</summary>
    public WsaEvent? Event { get; set; }

    /// <summary>
    /// Gets or sets the low-order bit of hEvent: when set, an operation started with this object posts no completion-port
    /// packet, whatever port its socket has; its event, if any, is still set (EXT-4). Read when an operation starts.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool EventHandleLowBit { get; set; }

    /// <summary>Gets the operation's life stage.</summary>
    public OperationStatus Status => Volatile.Read(ref _core)?.Status ?? OperationStatus.Idle;

    /// <summary>Gets whether the last operation has ended (HasOverlappedIoCompleted).</summary>
    public bool IsCompleted => Status is OperationStatus.Completed or OperationStatus.Failed or OperationStatus.Aborted;

    /// <summary>Gets whether an operation is pending.</summary>
    public bool IsPending => Status == OperationStatus.Pending;

    /// <summary>
    /// Gets the status code (the Internal field): <see cref="WsaError.IOPending"/> while pending, then the outcome;
    /// <see cref="WsaError.OperationAborted"/> when a close or the final cleanup cancelled it.
    /// </summary>
    public WsaError Error => Volatile.Read(ref _core)?.Error ?? WsaError.Success;

    /// <summary>Gets the bytes transferred by the last completed operation (InternalHigh).</summary>
    public int BytesTransferred => Volatile.Read(ref _core)?.BytesTransferred ?? 0;

    /// <summary>Gets the flags of the last completed receive.</summary>
    public SocketFlags Flags => Volatile.Read(ref _core)?.Flags ?? SocketFlags.None;

    /// <summary>Gets or sets an application value carried with the object (for example a connection id).</summary>
    public object? UserState { get; set; }

    /// <summary>Gets the operation record, once a provider has created it.</summary>
    internal OperationCore? Core => Volatile.Read(ref _core);

    /// <summary>Shows the status.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Status} {Error.ToSymbol()} bytes={BytesTransferred}";

    /// <summary>Gets the record, creating it with <paramref name="create"/> at the first operation (once, even when two providers race).</summary>
    internal T GetOrCreateCore<T>(Func<WsaOverlapped, T> create)
        where T : OperationCore
    {
        if (Volatile.Read(ref _core) is T existing)
        {
            return existing;
        }

        var created = create(this);
        return (T)(Interlocked.CompareExchange(ref _core, created, null) ?? created);
    }
}
