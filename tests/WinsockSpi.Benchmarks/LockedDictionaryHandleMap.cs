namespace WinsockSpi.Benchmarks;

/// <summary>
/// The floor of a one-lock socket table: a <see cref="Dictionary{TKey, TValue}"/> from handle value to socket object
/// behind one <see cref="Lock"/>, taken once per call, handles from a counter under the same lock. After the first
/// pair the dictionary reuses its freed entry, so a pair allocates nothing.
/// </summary>
internal sealed class LockedDictionaryHandleMap
{
    private readonly Lock _lock = new();
    private readonly Dictionary<nuint, object> _sockets = [];
    private readonly object _socket = new();
    private nuint _next;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sockets.Count;
            }
        }
    }

    /// <summary>Creates a handle (never 0, low two bits clear) for the one pooled socket object.</summary>
    public nuint Socket()
    {
        lock (_lock)
        {
            nuint handle = _next += 4;
            return _sockets.TryAdd(handle, _socket) ? handle : 0;
        }
    }

    public bool CloseSocket(nuint handle)
    {
        lock (_lock)
        {
            return _sockets.Remove(handle);
        }
    }
}
