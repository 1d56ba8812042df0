using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace WinsockSpi.Diagnostics;

/// <summary>
/// The library's meter and activity source (names in <see cref="WinsockSpiDiagnostics"/>, listed in docs/diagnostics.md).
/// Every measurement is made with no lock of the simulator held (a listener is user code), and only after checking that
/// its instrument is enabled, so nothing is computed while nobody listens.
/// </summary>
internal static class Telemetry
{
    private static readonly Meter s_meter = new(WinsockSpiDiagnostics.MeterName);
    private static readonly ActivitySource s_source = new(WinsockSpiDiagnostics.ActivitySourceName);

    private static readonly Counter<long> s_startups = s_meter.CreateCounter<long>(
        "winsockspi.provider.startups", "{startup}", "WSPStartup calls, by result (winsock.error).");

    private static readonly Counter<long> s_cleanups = s_meter.CreateCounter<long>(
        "winsockspi.provider.cleanups", "{cleanup}", "WSPCleanup calls, by result (winsock.error).");

    private static readonly Counter<long> s_ended = s_meter.CreateCounter<long>(
        "winsockspi.operations.ended", "{operation}", "Overlapped operations ended, by outcome (completed, failed, aborted).");

    private static readonly Counter<long> s_notifications = s_meter.CreateCounter<long>(
        "winsockspi.notifications", "{notification}", "Notifications made, by channel (event, apc, port, message).");

    private static readonly Counter<long> s_bytes = s_meter.CreateCounter<long>(
        "winsockspi.bytes", "By", "Bytes moved by sends and receives, by direction (sent, received).");

    private static Func<long>? s_openSockets;
    private static Func<long>? s_pendingOperations;

    static Telemetry()
    {
        s_meter.CreateObservableUpDownCounter("winsockspi.sockets.open", () => s_openSockets?.Invoke() ?? 0, "{socket}", "Socket handles open in live providers.");
        s_meter.CreateObservableUpDownCounter("winsockspi.operations.pending", () => s_pendingOperations?.Invoke() ?? 0, "{operation}", "Overlapped operations pending in live providers.");
    }

    /// <summary>Gets whether a listener wants what the call entries measure (counters of calls, bytes, or activities).</summary>
    public static bool CallsObserved
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_startups.Enabled || s_cleanups.Enabled || s_bytes.Enabled || s_source.HasListeners();
    }

    /// <summary>Gets whether anyone counts ended operations, notifications, or the bytes of overlapped operations (counted as they are notified).</summary>
    public static bool DeliveriesObserved
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_ended.Enabled || s_notifications.Enabled || s_bytes.Enabled;
    }

    /// <summary>Sets where the observable instruments read their totals (the provider module's registry of live providers).</summary>
    public static void SetTotals(Func<long> openSockets, Func<long> pendingOperations)
    {
        s_openSockets = openSockets;
        s_pendingOperations = pendingOperations;
    }

    public static Activity? StartLifecycleActivity(string name, int processId, int provider)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var activity = s_source.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag("winsockspi.process.id", processId);
        activity?.SetTag("winsockspi.provider", provider);
        return activity;
    }

    public static Activity? StartCloseActivity(int processId, int provider, SocketHandle socket)
    {
        var activity = StartLifecycleActivity("WSPCloseSocket", processId, provider);
        activity?.SetTag("winsockspi.socket", socket.ToString());
        return activity;
    }

    public static void Ended(Activity? activity, WsaError error)
    {
        if (activity is not null)
        {
            activity.SetTag("winsock.error", error.ToSymbol());
            if (error != WsaError.Success)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.ToSymbol());
            }
        }
    }

    public static void Startup(Activity? activity, WsaError error)
    {
        Ended(activity, error);
        if (s_startups.Enabled)
        {
            s_startups.Add(1, new KeyValuePair<string, object?>("winsock.error", error.ToSymbol()));
        }
    }

    public static void Cleanup(Activity? activity, WsaError error)
    {
        Ended(activity, error);
        if (s_cleanups.Enabled)
        {
            s_cleanups.Add(1, new KeyValuePair<string, object?>("winsock.error", error.ToSymbol()));
        }
    }

    public static void Bytes(bool sent, long count)
    {
        if (count > 0 && s_bytes.Enabled)
        {
            s_bytes.Add(count, new KeyValuePair<string, object?>("direction", sent ? "sent" : "received"));
        }
    }

    public static void OperationEnded(string outcome, long count = 1)
    {
        if (count > 0 && s_ended.Enabled)
        {
            s_ended.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public static void Notification(string channel)
    {
        if (s_notifications.Enabled)
        {
            s_notifications.Add(1, new KeyValuePair<string, object?>("channel", channel));
        }
    }
}
