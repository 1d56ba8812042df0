using WinsockSpi.Network;

namespace WinsockSpi.Processes;

/// <summary>
/// A simulated Windows process: the owner of provider reference counts, socket tables and pending
/// operations (PRC-1), with one asynchronous-procedure-call queue per thread (OVL-4).
/// </summary>
/// <remarks>
/// <para>Threads are the real managed threads that call into the simulator, identified by
/// <see cref="Environment.CurrentManagedThreadId"/>. A completion routine is queued to the thread that
/// started the operation and runs only inside <see cref="AlertableWait(TimeSpan)"/> on that thread.</para>
/// <para><see cref="Terminate"/> models a process that ends without calling cleanup (PRC-2).
/// All members are thread-safe.</para>
/// </remarks>
public sealed class SimulatedProcess : IDisposable
{
    private static int s_nextId;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, ApcQueue> _queues = [];
    private readonly List<IProcessMember> _members = [];
    private volatile bool _terminated;

    /// <summary>Creates a process attached to <paramref name="network"/>.</summary>
    /// <param name="network">The network the process's providers use; a new private one when <see langword="null"/>.</param>
    public SimulatedProcess(SimulatedNetwork? network = null)
    {
        Network = network ?? new SimulatedNetwork();
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>Gets the process id, unique within this AppDomain.</summary>
    public int Id { get; }

    /// <summary>Gets the network the process's providers use.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Gets whether <see cref="Terminate"/> has run.</summary>
    public bool IsTerminated => _terminated;

    /// <summary>
    /// Queues <paramref name="routine"/> to the thread <paramref name="managedThreadId"/> (WPUQueueApc).
    /// </summary>
    /// <param name="managedThreadId">The target thread's <see cref="Environment.CurrentManagedThreadId"/>.</param>
    /// <param name="routine">The routine.</param>
    /// <param name="context">Its argument.</param>
    /// <returns><see cref="WsaError.Success"/>, or <see cref="WsaError.InvalidHandle"/> when the process has terminated.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="managedThreadId"/> is not positive (managed thread ids start at 1).</exception>
    public WsaError QueueApc(int managedThreadId, ApcRoutine routine, object? context)
    {
        ArgumentNullException.ThrowIfNull(routine);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(managedThreadId);
        var queue = GetQueue(managedThreadId);
        return queue is not null && queue.Enqueue(routine, context) ? WsaError.Success : WsaError.InvalidHandle;
    }

    /// <summary>Gets how many calls are queued to a thread and have not run yet.</summary>
    /// <param name="managedThreadId">The thread.</param>
    /// <returns>The number of queued calls.</returns>
    public int GetQueuedApcCount(int managedThreadId)
    {
        lock (_lock)
        {
            return _queues.TryGetValue(managedThreadId, out var q) ? q.Count : 0;
        }
    }

    /// <summary>
    /// Waits alertably on the calling thread, as <c>SleepEx(timeout, TRUE)</c>: runs every call queued to
    /// this thread, waiting up to <paramref name="timeout"/> for the first one.
    /// </summary>
    /// <param name="timeout">How long to wait for a queued call; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>The number of calls that ran (0 when the wait timed out, WAIT_TIMEOUT; otherwise WAIT_IO_COMPLETION).</returns>
    /// <remarks>Calls queued while the routines run are run too before the wait returns.</remarks>
    public int AlertableWait(TimeSpan timeout)
    {
        long ms = (long)timeout.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(ms, -1, nameof(timeout));
        var queue = GetQueue(Environment.CurrentManagedThreadId);
        if (queue is null)
        {
            return 0;
        }

        if (!queue.WaitForWork(timeout))
        {
            return 0;
        }

        int ran = 0;
        while (queue.TryDequeue(out var routine, out var context))
        {
            routine(context);
            ran++;
        }

        return ran;
    }

    /// <summary>
    /// Ends the process without any cleanup (PRC-2): every provider loaded in it releases its sockets
    /// (resetting their connections), pending operations and reference count without notification,
    /// queued calls are discarded, and alertable waits return. Idempotent.
    /// </summary>
    public void Terminate()
    {
        IProcessMember[] members;
        ApcQueue[] queues;
        lock (_lock)
        {
            if (_terminated)
            {
                return;
            }

            _terminated = true;
            members = [.. _members];
            queues = [.. _queues.Values];
            _members.Clear();
            _queues.Clear();
        }

        foreach (var member in members)
        {
            member.OnProcessTerminated();
        }

        foreach (var queue in queues)
        {
            queue.Abandon();
        }
    }

    /// <summary>Terminates the process (<see cref="Terminate"/>).</summary>
    public void Dispose() => Terminate();

    /// <summary>Shows the process id.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"process {Id}{(IsTerminated ? " (terminated)" : string.Empty)}";

    internal void Register(IProcessMember member)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_terminated, this);
            _members.Add(member);
        }
    }

    internal void Unregister(IProcessMember member)
    {
        lock (_lock)
        {
            _members.Remove(member);
        }
    }

    private ApcQueue? GetQueue(int threadId)
    {
        if (ApcQueue.TryGetCached(this, threadId) is { } cached)
        {
            return cached;
        }

        lock (_lock)
        {
            if (_terminated)
            {
                return null;
            }

            if (!_queues.TryGetValue(threadId, out var queue))
            {
                queue = new ApcQueue(this, threadId);
                _queues.Add(threadId, queue);
            }

            ApcQueue.Cache(queue);
            return queue;
        }
    }

    /// <summary>The APC queue of one thread: a FIFO under its own monitor.</summary>
    private sealed class ApcQueue(SimulatedProcess process, int threadId)
    {
        [ThreadStatic]
        private static ApcQueue? t_last;

        private readonly Queue<(ApcRoutine Routine, object? Context)> _items = new();
        private bool _abandoned;

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public static ApcQueue? TryGetCached(SimulatedProcess process, int threadId)
        {
            var last = t_last;
            return last is not null && last._owner == process && last._threadId == threadId && !last._abandoned ? last : null;
        }

        public static void Cache(ApcQueue queue)
        {
            if (queue._threadId == Environment.CurrentManagedThreadId)
            {
                t_last = queue;
            }
        }

        private readonly SimulatedProcess _owner = process;
        private readonly int _threadId = threadId;

        public bool Enqueue(ApcRoutine routine, object? context)
        {
            lock (_items)
            {
                if (_abandoned)
                {
                    return false;
                }

                _items.Enqueue((routine, context));
                Monitor.PulseAll(_items);
                return true;
            }
        }

        public bool TryDequeue(out ApcRoutine routine, out object? context)
        {
            lock (_items)
            {
                if (_items.TryDequeue(out var item))
                {
                    (routine, context) = item;
                    return true;
                }
            }

            routine = null!;
            context = null;
            return false;
        }

        public bool WaitForWork(TimeSpan timeout)
        {
            lock (_items)
            {
                if (_items.Count > 0)
                {
                    return true;
                }

                if (_abandoned || timeout == TimeSpan.Zero)
                {
                    return false;
                }

                // Monitor.Wait returns early on a pulse; re-check so a spurious wake does not end the wait.
                var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
                while (_items.Count == 0 && !_abandoned)
                {
                    long remaining = deadline == long.MaxValue ? -1 : deadline - Environment.TickCount64;
                    if (deadline != long.MaxValue && remaining <= 0)
                    {
                        return false;
                    }

                    Monitor.Wait(_items, (int)Math.Min(remaining, int.MaxValue));
                }

                return _items.Count > 0;
            }
        }

        public void Abandon()
        {
            lock (_items)
            {
                _abandoned = true;
                foreach (var (_, context) in _items)
                {
                    // A completion routine that will never run no longer holds its overlapped object (OVL-7).
                    (context as Operations.WsaOverlapped)?.ClearApcInFlight();
                }

                _items.Clear();
                Monitor.PulseAll(_items);
            }
        }
    }
}
