using Microsoft.Extensions.Logging;

namespace WinsockSpi.Diagnostics;

// The public wrappers below check IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873

// The messages of the extension functions and completion details (EXT-1..6): event ids 3100-3149.
internal static partial class Log
{
    [LoggerMessage(EventId = 3100, EventName = "UnknownExtensionFunction", Level = LogLevel.Debug,
        Message = "WSPIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) for unknown GUID {Id}: WSAEINVAL")]
    public static partial void UnknownExtension(ILogger logger, Guid id);

    [LoggerMessage(EventId = 3101, EventName = "ConnectExRefused", Level = LogLevel.Debug,
        Message = "ConnectEx to {Remote} refused: the operation completes with WSAECONNREFUSED")]
    private static partial void ConnectExRefusedCore(ILogger logger, string remote);

    public static void ConnectExRefused(ILogger logger, System.Net.EndPoint remote)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectExRefusedCore(logger, remote.ToString()!);
        }
    }
}
