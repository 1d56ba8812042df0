using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Logger factories that collect every record, at every level, into a <see cref="FakeLogCollector"/>.</summary>
internal static class TestLogging
{
    /// <summary>Creates a factory whose loggers write to a new collector.</summary>
    /// <param name="collector">The collector that receives every record (Trace and above).</param>
    /// <param name="time">The clock that stamps the records; the system clock when null.</param>
    /// <param name="onRecord">
    /// Runs on the logging thread after each record is collected, outside the collector's lock, so it may block (to
    /// hold a thread of the simulator at a known event) or log again.
    /// </param>
    /// <returns>The factory; the caller disposes it.</returns>
    public static ILoggerFactory CreateFactory(out FakeLogCollector collector, TimeProvider? time = null, Action<FakeLogRecord>? onRecord = null)
    {
        var options = new FakeLogCollectorOptions { TimeProvider = time ?? TimeProvider.System };
        if (onRecord is not null)
        {
            // The collector calls its formatter only when a sink is set, after the record is stored and outside its
            // lock: the one hook FakeLogCollector offers on the logging thread. The text itself is discarded.
            options.OutputFormatter = record =>
            {
                onRecord(record);
                return string.Empty;
            };
            options.OutputSink = static _ => { };
        }

        collector = FakeLogCollector.Create(options);
        return new LoggerFactory([new FakeLoggerProvider(collector)], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
    }
}
