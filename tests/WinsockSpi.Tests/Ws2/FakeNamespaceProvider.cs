using System.Collections.Concurrent;
using WinsockSpi.Namespaces;

namespace WinsockSpi.Tests.Ws2;

/// <summary>
/// A namespace provider that keeps an NSPStartup count per id, as NSP-1 requires, and records every call.
/// An id in <see cref="FailingIds"/> fails its startup with WSAEPROVIDERFAILEDINIT.
/// </summary>
internal sealed class FakeNamespaceProvider(params Guid[] ids) : INamespaceProvider, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, int> _counts = ids.ToDictionary(id => id, _ => 0);
    private readonly ConcurrentQueue<string> _calls = new();

    public IReadOnlyCollection<Guid> ProviderIds => ids;

    public ConcurrentDictionary<Guid, bool> FailingIds { get; } = new();

    /// <summary>Gets the calls in order, as "startup {id}" / "cleanup {id}".</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public bool IsDisposed { get; private set; }

    public int Count(Guid id)
    {
        lock (_lock)
        {
            return _counts[id];
        }
    }

    public int StartupCalls(Guid id) => Calls.Count(c => c == $"startup {id}");

    public int CleanupCalls(Guid id) => Calls.Count(c => c == $"cleanup {id}");

    public SpiResult Startup(Guid providerId)
    {
        _calls.Enqueue($"startup {providerId}");
        lock (_lock)
        {
            if (!_counts.TryGetValue(providerId, out int count))
            {
                return WsaError.InvalidArgument;
            }

            if (FailingIds.ContainsKey(providerId))
            {
                return WsaError.ProviderFailedInit;
            }

            _counts[providerId] = count + 1;
            return SpiResult.Success;
        }
    }

    public SpiResult Cleanup(Guid providerId)
    {
        _calls.Enqueue($"cleanup {providerId}");
        lock (_lock)
        {
            if (!_counts.TryGetValue(providerId, out int count))
            {
                return WsaError.InvalidArgument;
            }

            if (count == 0)
            {
                return WsaError.NotInitialized;
            }

            _counts[providerId] = count - 1;
            return SpiResult.Success;
        }
    }

    public void Dispose() => IsDisposed = true;
}
