namespace WinsockSpi.Operations;

/// <summary>A packet dequeued from a <see cref="CompletionPort"/> (GetQueuedCompletionStatus).</summary>
/// <param name="CompletionKey">The key given when the socket was associated with the port.</param>
/// <param name="BytesTransferred">The number of bytes transferred (0 for an aborted operation).</param>
/// <param name="Overlapped">The overlapped object of the operation.</param>
/// <param name="Status">
/// The completion status: <see cref="WsaError.Success"/>, <see cref="WsaError.OperationAborted"/> for an aborted
/// operation, <see cref="WsaError.NetNameDeleted"/> (64) for a connection reset by the peer (OVL-8).
/// </param>
public readonly record struct CompletionPacket(nuint CompletionKey, int BytesTransferred, WsaOverlapped Overlapped, WsaError Status);
