using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace WinsockSpi.Tests.TestKit;

/// <summary>The harness's log records: queries over <see cref="Logs"/>, and hooks that run on the logging thread.</summary>
internal sealed partial class ProviderHarness
{
    private readonly ConcurrentQueue<(string EventName, Action Hook)> _logHooks = new();

    /// <summary>
    /// Runs <paramref name="hook"/> on the logging thread each time the event named <paramref name="eventName"/> is
    /// logged: a way to hold a provider thread at a known point of its work (the provider logs outside its lock).
    /// </summary>
    /// <param name="eventName">The event's name, as in docs/logging.md (for example "SocketClosed").</param>
    /// <param name="hook">What to do; it may block on a gate the test releases.</param>
    public void OnLog(string eventName, Action hook) => _logHooks.Enqueue((eventName, hook));

    /// <summary>Gives the records of one event, in the order they were logged.</summary>
    /// <param name="eventName">The event's name.</param>
    /// <returns>The records.</returns>
    public IReadOnlyList<FakeLogRecord> LogsOf(string eventName) => [.. Logs.GetSnapshot().Where(r => r.Id.Name == eventName)];

    /// <summary>Gives the records at <paramref name="level"/> or above.</summary>
    /// <param name="level">The lowest level.</param>
    /// <returns>The records.</returns>
    public IReadOnlyList<FakeLogRecord> LogsAtLeast(LogLevel level) => [.. Logs.GetSnapshot().Where(r => r.Level >= level)];

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
