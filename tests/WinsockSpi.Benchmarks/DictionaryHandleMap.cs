using System.Collections.Concurrent;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// The baseline for the socket table: the handle map a provider gets from the base library,
/// a <see cref="ConcurrentDictionary{TKey, TValue}"/> from handle value to socket object, handles from a counter.
/// </summary>
internal sealed class DictionaryHandleMap
{
    private readonly ConcurrentDictionary<nuint, object> _sockets = new();
    private readonly object _socket = new();
    private long _next;

    public int Count => _sockets.Count;

    /// <summary>Creates a handle (never 0, low two bits clear) for the one pooled socket object.</summary>
    public nuint Socket()
    {
        nuint handle = (nuint)(Interlocked.Increment(ref _next) << 2);
        return _sockets.TryAdd(handle, _socket) ? handle : 0;
    }

    public bool CloseSocket(nuint handle) => _sockets.TryRemove(handle, out _);
}
