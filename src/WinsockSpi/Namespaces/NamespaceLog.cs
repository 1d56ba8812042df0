using Microsoft.Extensions.Logging;

namespace WinsockSpi.Namespaces;

/// <summary>
/// Log messages of namespace providers. Event ids are stable: 7100-7199 (7000-7099 are the layered providers').
/// Expected Winsock errors are Debug, never Error.
/// </summary>
// The wrapper below checks IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873
internal static partial class NamespaceLog
{
    [LoggerMessage(EventId = 6101, EventName = "NamespaceStarted", Level = LogLevel.Debug,
        Message = "NSPStartup of namespace provider {ProviderId}: count {Count}")]
    public static partial void Started(ILogger logger, Guid providerId, int count);

    [LoggerMessage(EventId = 6102, EventName = "NamespaceTornDown", Level = LogLevel.Debug,
        Message = "Final NSPCleanup of namespace provider {ProviderId}: torn down")]
    public static partial void TornDown(ILogger logger, Guid providerId);

    [LoggerMessage(EventId = 6103, EventName = "NamespaceCallFailed", Level = LogLevel.Debug,
        Message = "{Function} for namespace provider {ProviderId} failed with {Error}")]
    private static partial void CallFailedCore(ILogger logger, string function, Guid providerId, string error);

    public static void CallFailed(ILogger logger, string function, Guid providerId, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            CallFailedCore(logger, function, providerId, error.ToSymbol());
        }
    }
}
