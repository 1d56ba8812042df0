using Microsoft.Extensions.Logging;

namespace WinsockSpi.Ws2;

/// <summary>
/// The log messages of the Ws2 API layer (category "WinsockSpi.Ws2"). Event ids are stable: 7000-7099, and 7150-7199 for select.
/// Expected Winsock errors are Debug, never Error.
/// </summary>
// The public wrappers below check IsEnabled before formatting, which CA1873 does not see through.
#pragma warning disable CA1873
internal static partial class Ws2Log
{
    [LoggerMessage(EventId = 7001, EventName = "WsaStartupSucceeded", Level = LogLevel.Debug,
        Message = "WSAStartup({Requested}) succeeded with wVersion {Version}; API reference count {Count}")]
    public static partial void StartupSucceeded(ILogger logger, WinsockVersion requested, WinsockVersion version, int count);

    [LoggerMessage(EventId = 7002, EventName = "WsaStartupFailed", Level = LogLevel.Debug,
        Message = "WSAStartup({Requested}) failed with {Error}")]
    private static partial void StartupFailedCore(ILogger logger, WinsockVersion requested, string error);

    [LoggerMessage(EventId = 7003, EventName = "WsaCleanupNonFinal", Level = LogLevel.Debug,
        Message = "WSACleanup decremented the API reference count to {Count}; no provider was cleaned up")]
    public static partial void CleanupNonFinal(ILogger logger, int count);

    [LoggerMessage(EventId = 7004, EventName = "WsaFinalCleanup", Level = LogLevel.Information,
        Message = "Final WSACleanup: {Providers} providers unloaded after {Cleanups} WSPCleanup calls, {NspCleanups} NSPCleanup calls, {Sockets} SOCKET values forgotten")]
    public static partial void FinalCleanup(ILogger logger, int providers, int cleanups, int nspCleanups, int sockets);

    [LoggerMessage(EventId = 7005, EventName = "WsaCleanupNotInitialized", Level = LogLevel.Debug,
        Message = "WSACleanup failed with WSANOTINITIALISED: no WSAStartup is outstanding")]
    public static partial void CleanupNotInitialized(ILogger logger);

    [LoggerMessage(EventId = 7006, EventName = "ProviderLoaded", Level = LogLevel.Debug,
        Message = "Loaded provider {ProviderId} on demand for catalog entry {CatalogEntryId}")]
    public static partial void ProviderLoaded(ILogger logger, Guid providerId, uint catalogEntryId);

    [LoggerMessage(EventId = 7007, EventName = "ProviderStartupFailed", Level = LogLevel.Debug,
        Message = "WSPStartup of provider {ProviderId} failed with {Error}; the socket call fails with it")]
    private static partial void ProviderStartupFailedCore(ILogger logger, Guid providerId, string error);

    [LoggerMessage(EventId = 7008, EventName = "NamespaceStartupFailed", Level = LogLevel.Debug,
        Message = "NSPStartup of namespace provider {ProviderId} failed with {Error}; it is skipped until the next lookup")]
    private static partial void NamespaceStartupFailedCore(ILogger logger, Guid providerId, string error);

    [LoggerMessage(EventId = 7150, EventName = "SelectFailed", Level = LogLevel.Debug,
        Message = "select failed with {Error}")]
    private static partial void SelectFailedCore(ILogger logger, string error);

    public static void SelectFailed(ILogger logger, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            SelectFailedCore(logger, error.ToSymbol());
        }
    }

    public static void StartupFailed(ILogger logger, WinsockVersion requested, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            StartupFailedCore(logger, requested, error.ToSymbol());
        }
    }

    public static void ProviderStartupFailed(ILogger logger, Guid providerId, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ProviderStartupFailedCore(logger, providerId, error.ToSymbol());
        }
    }

    public static void NamespaceStartupFailed(ILogger logger, Guid providerId, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            NamespaceStartupFailedCore(logger, providerId, error.ToSymbol());
        }
    }

    [LoggerMessage(EventId = 7100, EventName = "AsyncRequestCompleted", Level = LogLevel.Debug,
        Message = "Asynchronous request {TaskHandle} completed with {Error}, buffer length {Length}; its message is posted")]
    private static partial void AsyncRequestCompletedCore(ILogger logger, long taskHandle, string error, int length);

    [LoggerMessage(EventId = 7101, EventName = "AsyncRequestCancelled", Level = LogLevel.Debug,
        Message = "WSACancelAsyncRequest cancelled request {TaskHandle}: no message is posted")]
    public static partial void AsyncRequestCancelled(ILogger logger, long taskHandle);

    public static void AsyncRequestCompleted(ILogger logger, nint taskHandle, int length, WsaError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            AsyncRequestCompletedCore(logger, taskHandle, error.ToSymbol(), length);
        }
    }
}
