namespace WinsockSpi.Sockets;

/// <summary>
/// The handle tags of one network: each socket table of a provider on that network holds one tag, the high bits of
/// all its handles. Tags are handed out round-robin from 1, skipping those still held, so two live providers of one
/// network never issue the same handle (SOC-1, PRC-3), and the values a provider issues depend only on what happened
/// on its network before, never on other networks or on the order in which tests run.
/// </summary>
/// <remarks>
/// Thread-safe. Two networks are two machines: their handles may coincide, as handle values of two real machines do.
/// </remarks>
internal sealed class HandleTags
{
    private readonly Lock _lock = new();

    /// <summary>Gets the tags of tables that belong to no network (one pool for all of them).</summary>
    public static HandleTags Unscoped { get; } = new();

    private readonly HashSet<int> _inUse = [];
    private int _next;

    /// <summary>
    /// Takes a tag no live table of this network holds. When every tag is held, tables that were dropped without being
    /// released are collected first; if all of them are truly alive, the provider cannot be created (a tag is never shared).
    /// </summary>
    /// <returns>The tag, from 1 to <see cref="SocketTable{T}.Tags"/>.</returns>
    /// <exception cref="InvalidOperationException">Every tag is held by a live provider of this network.</exception>
    public int Acquire()
    {
        const int tags = SocketTable<object>.Tags;
        for (int attempt = 0; ; attempt++)
        {
            lock (_lock)
            {
                for (int i = 0; i < tags; i++)
                {
                    int candidate = (_next++ % tags) + 1;
                    if (_inUse.Add(candidate))
                    {
                        return candidate;
                    }
                }
            }

            if (attempt == 1)
            {
                throw new InvalidOperationException($"{tags} providers are alive at once on one network; a further one could not have handles of its own (SOC-1, PRC-3). Dispose providers that are no longer used.");
            }

            // Tags of providers dropped without Dispose come back through their leases' finalizers.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Gives a tag back.</summary>
    /// <param name="tag">A tag <see cref="Acquire"/> returned.</param>
    public void Release(int tag)
    {
        lock (_lock)
        {
            _inUse.Remove(tag);
        }
    }
}
