using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace WinsockSpi.Testing;

/// <summary>The harness's log records: queries over <see cref="Logs"/>, and hooks that run on the logging thread.</summary>
public abstract partial class SimulationHarness
{
    private readonly ConcurrentQueue<(string EventName, Action Hook)> _logHooks = new();

    /// <summary>
    /// Runs <paramref name="hook"/> on the logging thread each time the event named <paramref name="eventName"/> is
    /// logged: a way to hold a thread of the simulation at a known point of its work (nothing logs under a provider lock).
    /// </summary>
    /// <param name="eventName">The event's name, as in docs/logging.md (for example "SocketClosed").</param>
    /// <param name="hook">What to do; it may block on a gate the test releases.</param>
    public void OnLog(string eventName, Action hook)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(hook);
        _logHooks.Enqueue((eventName, hook));
    }

    /// <summary>Gives the records of one event, in the order they were logged.</summary>
    /// <param name="eventName">The event's name.</param>
    /// <returns>The records.</returns>
    public IReadOnlyList<FakeLogRecord> LogsOf(string eventName) => [.. Logs.GetSnapshot().Where(r => r.Id.Name == eventName)];

    /// <summary>Gives the records at <paramref name="level"/> or above.</summary>
    /// <param name="level">The lowest level.</param>
    /// <returns>The records.</returns>
    public IReadOnlyList<FakeLogRecord> LogsAtLeast(LogLevel level) => [.. Logs.GetSnapshot().Where(r => r.Level >= level)];

    /// <summary>Creates a factory whose loggers write every record (Trace and above) to a new collector stamped by <paramref name="time"/>.</summary>
    private static LoggerFactory CreateLoggerFactory(TimeProvider time, Action<FakeLogRecord> onRecord, out FakeLogCollector collector)
    {
        // The collector calls its formatter only when a sink is set, after the record is stored and outside its lock: the
        // one hook FakeLogCollector offers on the logging thread. The text itself is discarded.
        var options = new FakeLogCollectorOptions
        {
            TimeProvider = time,
            OutputFormatter = record =>
            {
                onRecord(record);
                return string.Empty;
            },
            OutputSink = static _ => { },
        };
        collector = FakeLogCollector.Create(options);
        return new LoggerFactory([new FakeLoggerProvider(collector)], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
    }

    private void RunLogHooks(FakeLogRecord record)
    {
        foreach (var (eventName, hook) in _logHooks)
        {
            if (record.Id.Name == eventName)
            {
                hook();
            }
        }
    }
}
