using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Diagnostics;

/// <summary>
/// The meter and the activity source of docs/diagnostics.md. Listeners are process-wide, so these tests run alone
/// (<see cref="MetricListeners"/>: an enabled instrument changes how every provider delivers); each still keeps
/// only what its own thread measured (counters and activities are reported on the thread that made them), and the
/// observable totals, sums over every live provider, are checked as lower bounds.
/// </summary>
[Collection(MetricListeners.Name)]
public class TelemetryTests
{
    [Fact]
    public void Counters_MeasureStartupsCleanupsBytesNotificationsAndEndedOperations()
    {
        using var listener = new CounterListener();
        using (var h = new ProviderHarness())
        {
            var s = h.Connect(out var peer);
            Assert.Equal(4, h.Runtime.Send(s, "ping"u8.ToArray()).Value);
            var pending = h.PendReceive(s, ev: new WsaEvent());
            peer.Write("pong!"u8);
            Assert.Equal(OperationStatus.Completed, pending.Status);
            h.PendReceive(s); // aborted by the final cleanup, without notification
            Assert.True(h.Runtime.Cleanup().IsSuccess);
        }

        Assert.Equal(1, listener.Sum("winsockspi.provider.startups", "winsock.error", "NO_ERROR"));
        Assert.Equal(1, listener.Sum("winsockspi.provider.cleanups", "winsock.error", "NO_ERROR"));
        Assert.Equal(4, listener.Sum("winsockspi.bytes", "direction", "sent"));
        Assert.Equal(5, listener.Sum("winsockspi.bytes", "direction", "received"));
        Assert.Equal(1, listener.Sum("winsockspi.notifications", "channel", "event"));
        Assert.Equal(1, listener.Sum("winsockspi.operations.ended", "outcome", "completed"));
        Assert.Equal(1, listener.Sum("winsockspi.operations.ended", "outcome", "aborted"));
    }

    [Fact]
    public void Bytes_OfAnOverlappedSendToThatWaited_AreCountedAsSentWhenItCompletes()
    {
        using var listener = new CounterListener();
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        var overlapped = new WsaOverlapped();
        h.Network.HoldDatagrams = true;
        Assert.Equal(WsaError.IOPending, h.Runtime.SendTo(s, "hello"u8.ToArray(), peer.LocalEndPoint, overlapped).Error); // DGM-5

        h.Network.HoldDatagrams = false; // the send goes, on this thread, and completes

        Assert.Equal(OperationStatus.Completed, overlapped.Status);
        Assert.Equal(5, listener.Sum("winsockspi.bytes", "direction", "sent"));
        Assert.Equal(0, listener.Sum("winsockspi.bytes", "direction", "received"));
    }

    [Fact]
    public void Bytes_OfAnOverlappedReceiveThatCompletesAtOnce_AreCountedOnce()
    {
        using var listener = new CounterListener();
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        peer.Write("hello"u8);
        var overlapped = new WsaOverlapped(new WsaEvent());

        Assert.Equal(5, h.Runtime.Receive(s, new byte[8], overlapped).Value); // completed at once, and still notified (OVL-1)

        Assert.True(overlapped.Event!.IsSet);
        Assert.Equal(5, listener.Sum("winsockspi.bytes", "direction", "received")); // counted as notified, not also as returned
    }

    [Fact]
    public void Bytes_OfAPendingReceive_AreCountedWhenOnlyTheBytesCounterIsListenedTo()
    {
        // Before the fix, the bytes of a notified operation were counted only when the ended-operations or notifications
        // counter had a listener too (another test's listener, running in parallel, could hide that).
        // A provider with no logger and no recorder (the harness has a logger, which observes deliveries by itself).
        using var listener = new CounterListener(only: "winsockspi.bytes");
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        using var server = runtime.Network.Listen(new IPEndPoint(IPAddress.Loopback, 5000));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, server.EndPoint).ThrowIfFailed();
        var peer = server.Accept();
        var overlapped = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[8], overlapped).Error);

        peer.Write("pong!"u8);

        Assert.Equal(OperationStatus.Completed, overlapped.Status);
        Assert.Equal(5, listener.Sum("winsockspi.bytes", "direction", "received"));
        Assert.True(runtime.Cleanup().IsSuccess);
    }

    [Fact]
    public void WindowMessages_AreCountedOnTheMessageChannel_OnePerMessagePosted()
    {
        using var listener = new CounterListener();
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var window = new SimulatedWindow(h.Process);
        peer.Write("x"u8);

        Assert.True(h.Runtime.AsyncSelect(s, window, 0x0401, NetworkEvents.Read).IsSuccess); // FD_READ at once: data waits
        Assert.Equal(1, h.Runtime.Receive(s, new byte[4]).Value); // re-enables FD_READ
        peer.Write("y"u8); // FD_READ again

        Assert.Equal(2, window.MessageCount);
        Assert.Equal(2, listener.Sum("winsockspi.notifications", "channel", "message"));
        Assert.Equal(0, listener.Sum("winsockspi.notifications", "channel", "event"));
    }

    [Fact]
    public void ObservableTotals_IncludeTheOpenSocketsAndPendingOperationsOfLiveProviders()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out _);
        h.NewSocket();
        h.PendReceive(s);
        h.PendReceive(s);
        using var listener = new CounterListener();

        listener.RecordObservables();

        Assert.True(listener.Last("winsockspi.sockets.open") >= 2);
        Assert.True(listener.Last("winsockspi.operations.pending") >= 2);
    }

    [Fact]
    public void Activities_CoverStartupCleanupAndClose_WithTheirResult()
    {
        int thread = Environment.CurrentManagedThreadId;
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WinsockSpiDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if (Environment.CurrentManagedThreadId == thread)
                {
                    lock (activities)
                    {
                        activities.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using (var h = new ProviderHarness())
        {
            var s = h.NewSocket();
            Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
            Assert.Equal(WsaError.NotSocket, h.Runtime.CloseSocket(s).Error);
            Assert.True(h.Runtime.Cleanup().IsSuccess);
            Assert.Equal(WsaError.NotInitialized, h.Runtime.Cleanup().Error);
        }

        Assert.Equal(["WSPStartup", "WSPCloseSocket", "WSPCloseSocket", "WSPCleanup", "WSPCleanup"], activities.Select(a => a.OperationName));
        Assert.Equal("NO_ERROR", activities[0].GetTagItem("winsock.error"));
        Assert.Equal(ActivityStatusCode.Error, activities[2].Status);
        Assert.Equal("WSAENOTSOCK", activities[2].GetTagItem("winsock.error"));
        Assert.NotNull(activities[1].GetTagItem("winsockspi.socket"));
        Assert.Equal("WSANOTINITIALISED", activities[4].GetTagItem("winsock.error"));
    }

    [Fact]
    public void LogEvents_OfACall_CarryTheProcessAndProviderInAScope_AndTheSocketHandle()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        var record = h.Logs.GetSnapshot().Last(r => r.Id.Id == 2001);
        var scope = Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(Assert.Single(record.Scopes)).ToList();
        Assert.Contains(new KeyValuePair<string, object?>("ProcessId", h.Process.Id), scope);
        Assert.Contains(new KeyValuePair<string, object?>("Provider", 1), scope);
        Assert.Contains(new KeyValuePair<string, object?>("ProviderId", h.Runtime.ProviderId), scope);
        Assert.Contains(s.ToString(), record.Message, StringComparison.Ordinal);
    }

    /// <summary>Collects the library's measurements made on the creating thread (and every observable one).</summary>
    private sealed class CounterListener : IDisposable
    {
        private readonly int _thread = Environment.CurrentManagedThreadId;
        private readonly MeterListener _listener = new();
        private readonly List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

        public CounterListener(string? only = null)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WinsockSpiDiagnostics.MeterName && (only is null || instrument.Name == only))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId == _thread)
                {
                    lock (_measurements)
                    {
                        _measurements.Add((instrument.Name, value, tags.ToArray()));
                    }
                }
            });
            _listener.Start();
        }

        public void RecordObservables() => _listener.RecordObservableInstruments();

        public long Sum(string name, string tag, string value)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Name == name && m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))).Sum(m => m.Value);
            }
        }

        public long Last(string name)
        {
            lock (_measurements)
            {
                return _measurements.Last(m => m.Name == name).Value;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
