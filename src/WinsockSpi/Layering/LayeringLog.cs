using Microsoft.Extensions.Logging;

namespace WinsockSpi.Layering;

/// <summary>
/// Log messages of layered providers. Event ids are stable: 7000-7099 (7100-7199 are the namespace providers'). Expected Winsock errors are Debug, never Error.
/// </summary>
// The wrappers below check IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873
internal static partial class LayeringLog
{
    [LoggerMessage(EventId = 6001, EventName = "LayerStartedLower", Level = LogLevel.Debug,
        Message = "Layer {Layer} started its lower provider {Lower}: wVersion {Version}")]
    public static partial void StartedLower(ILogger logger, Guid layer, Guid lower, WinsockVersion version);

    [LoggerMessage(EventId = 6002, EventName = "LayerLowerTableInvalid", Level = LogLevel.Debug,
        Message = "Layer {Layer} refused the proc table of {Lower}: it lacks {Missing}; WSPStartup fails with WSAEINVALIDPROCTABLE")]
    private static partial void LowerTableInvalidCore(ILogger logger, Guid layer, Guid lower, string missing);

    [LoggerMessage(EventId = 6003, EventName = "LayerLowerStartupFailed", Level = LogLevel.Debug,
        Message = "Layer {Layer}: WSPStartup of the lower provider {Lower} failed with {Error}; WSPStartup fails with WSAEPROVIDERFAILEDINIT")]
    private static partial void LowerStartupFailedCore(ILogger logger, Guid layer, Guid lower, string error);

    [LoggerMessage(EventId = 6004, EventName = "LayerCleanedUpLower", Level = LogLevel.Debug,
        Message = "Layer {Layer}: final WSPCleanup cleaned up the lower provider {Lower}: {Result}")]
    private static partial void CleanedUpLowerCore(ILogger logger, Guid layer, Guid lower, string result);

    [LoggerMessage(EventId = 6005, EventName = "LayerLowerVersionRejected", Level = LogLevel.Debug,
        Message = "Layer {Layer} rejected wVersion {Version} of the lower provider {Lower} and cleaned it up once (STA-5); WSPStartup fails with WSAEPROVIDERFAILEDINIT")]
    public static partial void LowerVersionRejected(ILogger logger, Guid layer, Guid lower, WinsockVersion version);

    public static void LowerTableInvalid(ILogger logger, Guid layer, Guid lower, IReadOnlyList<string> missing)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LowerTableInvalidCore(logger, layer, lower, string.Join(", ", missing));
        }
    }

    public static void LowerStartupFailed(ILogger logger, Guid layer, Guid lower, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LowerStartupFailedCore(logger, layer, lower, error.ToSymbol());
        }
    }

    public static void CleanedUpLower(ILogger logger, Guid layer, Guid lower, SpiResult result)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            CleanedUpLowerCore(logger, layer, lower, result.ToString());
        }
    }
}
