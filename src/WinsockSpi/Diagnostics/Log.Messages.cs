using Microsoft.Extensions.Logging;

namespace WinsockSpi.Diagnostics;

// Window messages (WSPAsyncSelect, ASY-1..3): event ids 2150-2199.
// The wrapper below checks IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873
internal static partial class Log
{
    [LoggerMessage(EventId = 2150, EventName = "WindowMessageNotPosted", Level = LogLevel.Debug,
        Message = "WPUPostMessage for socket {Socket} to window {Window} failed with {Error}: the message is discarded")]
    private static partial void WindowMessageNotPostedCore(ILogger logger, ulong socket, long window, string error);

    public static void WindowMessageNotPosted(ILogger logger, nuint socket, nint window, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            WindowMessageNotPostedCore(logger, socket, window, error.ToSymbol());
        }
    }
}
