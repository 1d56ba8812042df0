namespace WinsockSpi.Operations;

/// <summary>
/// Inspection of a provider's pending operations: overlapped operations and blocking calls in progress.
/// </summary>
/// <remarks>Thread-safe; a snapshot is consistent at the moment it is taken.</remarks>
public interface IPendingOperationRegistry
{
    /// <summary>Gets the number of pending overlapped operations.</summary>
    int PendingCount { get; }

    /// <summary>Gets the number of blocking calls in progress (threads blocked in the provider).</summary>
    int BlockedCallCount { get; }

    /// <summary>Gets how many operations reached a terminal state since the runtime was created.</summary>
    long CompletedCount { get; }

    /// <summary>Takes a snapshot of every pending operation and blocking call.</summary>
    /// <returns>The operations, per socket in posting order.</returns>
    IReadOnlyList<PendingOperationInfo> Snapshot();
}
