namespace WinsockSpi.Operations;

/// <summary>The life of an operation. Every operation moves from <see cref="Pending"/> to one terminal state exactly once (OVL-5).</summary>
public enum OperationStatus
{
    /// <summary>Never started, or the overlapped object has not been used yet. May become <see cref="Pending"/> or terminal.</summary>
    Idle = 0,

    /// <summary>Started and not finished: the status reads WSA_IO_PENDING. Becomes exactly one of the terminal states.</summary>
    Pending = 1,

    /// <summary>Terminal: finished successfully with a byte count.</summary>
    Completed = 2,

    /// <summary>Terminal: failed with an error other than WSA_OPERATION_ABORTED (a reset, WSAEINTR).</summary>
    Failed = 3,

    /// <summary>Terminal: cancelled by a close or the final cleanup with WSA_OPERATION_ABORTED (995).</summary>
    Aborted = 4,
}
