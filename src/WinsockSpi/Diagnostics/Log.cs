using System.Net;
using Microsoft.Extensions.Logging;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Diagnostics;

/// <summary>
/// The provider's log messages. Event ids are stable and listed in docs/logging.md:
/// 1000-1099 lifecycle, 2000-2099 sockets, 3000-3099 operations, 4000-4099 network, 5000-5099 process,
/// 8050-8099 the trace-level steps of connections and overlapped operations.
/// Expected Winsock errors are Debug, never Error.
/// </summary>
// The public wrappers below check IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, EventName = "StartupSucceeded", Level = LogLevel.Debug,
        Message = "WSPStartup({Requested}) succeeded with wVersion {Version}; reference count {Count}")]
    public static partial void StartupSucceeded(ILogger logger, WinsockVersion requested, WinsockVersion version, int count);

    [LoggerMessage(EventId = 1002, EventName = "StartupFailed", Level = LogLevel.Debug,
        Message = "WSPStartup({Requested}) failed with {Error}; reference count {Count}")]
    private static partial void StartupFailedCore(ILogger logger, WinsockVersion requested, string error, int count);

    [LoggerMessage(EventId = 1003, EventName = "CleanupNonFinal", Level = LogLevel.Debug,
        Message = "WSPCleanup decremented the reference count to {Count}; nothing was torn down")]
    public static partial void CleanupNonFinal(ILogger logger, int count);

    [LoggerMessage(EventId = 1004, EventName = "FinalCleanup", Level = LogLevel.Information,
        Message = "Final WSPCleanup: {Sockets} socket handles released, {Aborted} pending operations aborted without notification, {Interrupted} blocking calls interrupted, {Resets} connections reset")]
    public static partial void FinalCleanup(ILogger logger, int sockets, int aborted, int interrupted, int resets);

    [LoggerMessage(EventId = 1005, EventName = "CleanupFailed", Level = LogLevel.Debug,
        Message = "WSPCleanup failed with {Error}")]
    private static partial void CleanupFailedCore(ILogger logger, string error);

    [LoggerMessage(EventId = 1006, EventName = "CleanupNetworkDown", Level = LogLevel.Warning,
        Message = "WSPCleanup reports WSAENETDOWN: the network subsystem has failed; the reference was released anyway (reference count {Count})")]
    public static partial void CleanupNetworkDown(ILogger logger, int count);

    [LoggerMessage(EventId = 1007, EventName = "ProcessTerminated", Level = LogLevel.Information,
        Message = "Process {ProcessId} ended without cleanup: {Sockets} socket handles and {Aborted} pending operations released without notification")]
    public static partial void ProcessTerminated(ILogger logger, int processId, int sockets, int aborted);

    [LoggerMessage(EventId = 2001, EventName = "SocketCreated", Level = LogLevel.Trace,
        Message = "WSPSocket created {Socket}")]
    private static partial void SocketCreatedCore(ILogger logger, string socket);

    [LoggerMessage(EventId = 2002, EventName = "SocketClosed", Level = LogLevel.Trace,
        Message = "WSPCloseSocket released {Socket} ({Remaining} handles of the socket remain)")]
    private static partial void SocketClosedCore(ILogger logger, string socket, int remaining);

    [LoggerMessage(EventId = 2003, EventName = "SocketTableFull", Level = LogLevel.Debug,
        Message = "WSPSocket failed with WSAEMFILE: {Count} of {Capacity} handles are live")]
    public static partial void SocketTableFull(ILogger logger, int count, int capacity);

    [LoggerMessage(EventId = 2004, EventName = "LingerTimedOut", Level = LogLevel.Debug,
        Message = "Linger of {Seconds} s expired with {Unsent} bytes unsent; the connection was reset")]
    public static partial void LingerTimedOut(ILogger logger, int seconds, int unsent);

    [LoggerMessage(EventId = 3001, EventName = "OperationsAbortedByClose", Level = LogLevel.Debug,
        Message = "Closing {Socket} aborted {Aborted} overlapped operations with WSA_OPERATION_ABORTED (notified) and interrupted {Interrupted} blocking calls")]
    private static partial void OperationsAbortedByCloseCore(ILogger logger, string socket, int aborted, int interrupted);

    [LoggerMessage(EventId = 3002, EventName = "BlockingCallCancelled", Level = LogLevel.Debug,
        Message = "WSPCancelBlockingCall interrupted a blocking {Kind} on thread {ThreadId}")]
    private static partial void BlockingCallCancelledCore(ILogger logger, string kind, int threadId);

    [LoggerMessage(EventId = 3003, EventName = "ApcQueueFailed", Level = LogLevel.Warning,
        Message = "WPUQueueApc failed with {Error}: a completion routine for thread {ThreadId} will not run")]
    private static partial void ApcQueueFailedCore(ILogger logger, string error, int threadId);

    [LoggerMessage(EventId = 4002, EventName = "ConnectRefused", Level = LogLevel.Debug,
        Message = "WSPConnect to {Remote} refused: nothing listens there")]
    private static partial void ConnectRefusedCore(ILogger logger, string remote);

    [LoggerMessage(EventId = 2200, EventName = "SelectWaitEnded", Level = LogLevel.Debug,
        Message = "WSPSelect over {Entries} entries waited and ended with {Ready} ready (timed out: {TimedOut})")]
    public static partial void SelectEnded(ILogger logger, int entries, int ready, bool timedOut);

    [LoggerMessage(EventId = 8050, EventName = "ConnectSucceeded", Level = LogLevel.Trace,
        Message = "WSPConnect {Socket} to {Remote}: {Result}")]
    private static partial void ConnectSucceededCore(ILogger logger, string socket, string remote, string result);

    [LoggerMessage(EventId = 8051, EventName = "IoPending", Level = LogLevel.Trace,
        Message = "WSP{Call} on {Socket} pends (WSA_IO_PENDING)")]
    private static partial void IoPendingCore(ILogger logger, string call, string socket);

    [LoggerMessage(EventId = 8052, EventName = "OperationEnded", Level = LogLevel.Trace,
        Message = "Overlapped {Kind} on {Socket} ended with {Error}, {Bytes} bytes; notified through the upcall table")]
    private static partial void OperationEndedCore(ILogger logger, string kind, string socket, string error, int bytes);

    public static void ConnectSucceeded(ILogger logger, SocketHandle socket, EndPoint remote, WsaError result)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
            ConnectSucceededCore(logger, socket.ToString(), remote.ToString() ?? string.Empty, result == WsaError.Success ? "connected" : "WSAEWOULDBLOCK, connected in the background");
        }
    }

    public static void IoPending(ILogger logger, SpiCall call, SocketHandle socket)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
            IoPendingCore(logger, call switch { SpiCall.Receive or SpiCall.ReceiveBuffers => "Recv", SpiCall.ReceiveFrom or SpiCall.ReceiveFromBuffers => "RecvFrom", _ => call.ToString() }, socket.ToString());
        }
    }

    public static void OperationEnded(ILogger logger, OperationKind kind, SocketHandle socket, WsaError error, int bytes)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
            OperationEndedCore(logger, kind.ToString(), socket.ToString(), error.ToSymbol(), bytes);
        }
    }

    public static void StartupFailed(ILogger logger, WinsockVersion requested, WsaError error, int count)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            StartupFailedCore(logger, requested, error.ToSymbol(), count);
        }
    }

    public static void CleanupFailed(ILogger logger, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            CleanupFailedCore(logger, error.ToSymbol());
        }
    }

    public static void SocketCreated(ILogger logger, SocketHandle socket)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
            SocketCreatedCore(logger, socket.ToString());
        }
    }

    public static void SocketClosed(ILogger logger, SocketHandle socket, int remaining)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
            SocketClosedCore(logger, socket.ToString(), remaining);
        }
    }

    public static void OperationsAbortedByClose(ILogger logger, SocketHandle socket, int aborted, int interrupted)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            OperationsAbortedByCloseCore(logger, socket.ToString(), aborted, interrupted);
        }
    }

    public static void BlockingCallCancelled(ILogger logger, OperationKind kind, int threadId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            BlockingCallCancelledCore(logger, kind.ToString(), threadId);
        }
    }

    public static void ApcQueueFailed(ILogger logger, WsaError error, int threadId)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            ApcQueueFailedCore(logger, error.ToSymbol(), threadId);
        }
    }

    public static void ConnectRefused(ILogger logger, EndPoint remote)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectRefusedCore(logger, remote.ToString() ?? string.Empty);
        }
    }
}
