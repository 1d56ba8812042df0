namespace WinsockSpi.Processes;

/// <summary>
/// WSATHREADID: the identity of a thread as the SPI passes it to WPUQueueApc. A completion routine is queued to the
/// thread that started its operation, named by this identity (OVL-4).
/// </summary>
/// <remarks>
/// <para>Unlike <see cref="Environment.CurrentManagedThreadId"/>, which the runtime hands to a new thread once the old
/// one has ended, an identity is never recycled: it is created once per thread and refers to that thread only, so a
/// routine queued for a thread that has ended never runs on another one that got the same id (OVL-10).</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class WsaThreadId
{
    [ThreadStatic]
    private static WsaThreadId? t_current;

    private readonly WeakReference<Thread> _thread;

    private WsaThreadId(Thread thread)
    {
        _thread = new WeakReference<Thread>(thread);
        ManagedThreadId = thread.ManagedThreadId;
    }

    /// <summary>Gets the identity of the calling thread (the same object for every call on that thread).</summary>
    public static WsaThreadId Current => t_current ??= new WsaThreadId(Thread.CurrentThread);

    /// <summary>Gets the managed thread id the thread had (for display: another thread may carry it later).</summary>
    public int ManagedThreadId { get; }

    /// <summary>Gets whether the thread is still running. A routine queued to a thread that has ended never runs (OVL-10).</summary>
    public bool IsAlive => _thread.TryGetTarget(out var thread) && thread.IsAlive;

    /// <summary>Shows the managed thread id and whether the thread has ended.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"thread {ManagedThreadId}{(IsAlive ? string.Empty : " (ended)")}";
}
