using System.Net;
using Microsoft.Extensions.Logging;

namespace WinsockSpi.Diagnostics;

// The datagram events (ids 2100-2149, docs/logging.md).
#pragma warning disable CA1873
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, EventName = "DatagramImplicitBind", Level = LogLevel.Debug,
        Message = "Datagram socket {Socket} was not bound: its first send bound it to {EndPoint} (DGM-4)")]
    private static partial void DatagramImplicitBindCore(ILogger logger, string socket, EndPoint endPoint);

    [LoggerMessage(EventId = 2101, EventName = "DatagramTruncated", Level = LogLevel.Debug,
        Message = "{Count} datagram(s) received on socket {Socket} were longer than the buffer: the rest was discarded, WSAEMSGSIZE (DGM-2)")]
    private static partial void DatagramTruncatedCore(ILogger logger, string socket, int count);

    public static void DatagramImplicitBind(ILogger logger, SocketHandle socket, EndPoint endPoint)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            DatagramImplicitBindCore(logger, socket.ToString(), endPoint);
        }
    }

    public static void DatagramTruncated(ILogger logger, SocketHandle socket, int count)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            DatagramTruncatedCore(logger, socket.ToString(), count);
        }
    }
}
