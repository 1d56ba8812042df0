
namespace WinsockSpi.Operations;

/// <summary>A snapshot of one pending operation, for inspection by harnesses and tests.</summary>
/// <param name="Socket">The handle the operation was started on.</param>
/// <param name="Kind">What it does.</param>
/// <param name="BytesRequested">The bytes it asked to send or receive.</param>
/// <param name="BytesDone">For a send, the bytes already handed to the connection.</param>
/// <param name="InitiatingThreadId">The managed thread id of the thread that started it.</param>
/// <param name="Notification">How its end will be made known.</param>
/// <param name="Overlapped">The overlapped object, or <see langword="null"/> for a blocking call.</param>
public readonly record struct PendingOperationInfo(
    SocketHandle Socket,
    OperationKind Kind,
    int BytesRequested,
    int BytesDone,
    int InitiatingThreadId,
    NotificationKind Notification,
    WsaOverlapped? Overlapped);
