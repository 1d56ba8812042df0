using WinsockSpi.Network;

namespace WinsockSpi.Processes;

/// <summary>
/// A simulated Windows process: the owner of provider reference counts, socket tables and pending
/// operations (PRC-1), with one asynchronous-procedure-call queue per thread (OVL-4).
/// </summary>
/// <remarks>
/// <para>Threads are the real managed threads that call into the simulator, identified by a
/// <see cref="WsaThreadId"/> that is never recycled. A completion routine is queued to the thread that
/// started the operation and runs only inside <see cref="AlertableWait(TimeSpan)"/> on that thread; one queued
/// to a thread that has ended is discarded (OVL-10).</para>
/// <para>Timeouts of alertable waits are measured on the process's <see cref="TimeProvider"/>, so a fake clock
/// drives them.</para>
/// <para><see cref="Terminate"/> models a process that ends without calling cleanup (PRC-2).
/// All members are thread-safe.</para>
/// </remarks>
public sealed class SimulatedProcess : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WsaThreadId, ApcQueue> _queues = [];
    private readonly List<IProcessMember> _members = [];
    private readonly List<SimulatedWindow> _windows = [];
    private volatile bool _terminated;
    private readonly object _terminationGate = new();
    private bool _terminationDone;
    private WsaThreadId? _terminator;

    /// <summary>Creates a process attached to <paramref name="network"/>.</summary>
    /// <param name="network">The network the process's providers use; a new private one when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of alertable-wait timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SimulatedProcess(SimulatedNetwork? network = null, TimeProvider? timeProvider = null)
    {
        Network = network ?? new SimulatedNetwork();
        TimeProvider = timeProvider ?? TimeProvider.System;
        Id = Network.NextProcessId();
    }

    /// <summary>Gets the process id: 1 for the first process of its network, 2 for the next, and so on (unique within the network, and the same in every run of a scenario).</summary>
    public int Id { get; }

    /// <summary>Gets the network the process's providers use.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>Gets the clock that measures the timeouts of <see cref="AlertableWait(TimeSpan)"/>.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets whether <see cref="Terminate"/> has run.</summary>
    public bool IsTerminated => _terminated;

    /// <summary>
    /// Queues <paramref name="routine"/> to the thread <paramref name="thread"/> (WPUQueueApc).
    /// </summary>
    /// <param name="thread">The target thread.</param>
    /// <param name="routine">The routine.</param>
    /// <param name="context">Its argument.</param>
    /// <returns>
    /// <see cref="WsaError.Success"/>, or <see cref="WsaError.InvalidHandle"/> when the process has terminated or the
    /// thread has ended (the routine is discarded and will never run, OVL-10).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="thread"/> or <paramref name="routine"/> is <see langword="null"/>.</exception>
    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        ArgumentNullException.ThrowIfNull(thread);
        ArgumentNullException.ThrowIfNull(routine);
        var queue = GetQueue(thread);
        return queue is not null && queue.Enqueue(routine, context) ? WsaError.Success : WsaError.InvalidHandle;
    }

    /// <summary>Gets how many calls are queued to a thread and have not run yet (0 once the thread has ended).</summary>
    /// <param name="thread">The thread.</param>
    /// <returns>The number of queued calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="thread"/> is <see langword="null"/>.</exception>
    public int GetQueuedApcCount(WsaThreadId thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        ApcQueue? queue;
        lock (_lock)
        {
            _queues.TryGetValue(thread, out queue);
        }

        return queue is null || !thread.IsAlive ? 0 : queue.Count;
    }

    /// <summary>Gets how many calls are queued to the running thread whose managed thread id is <paramref name="managedThreadId"/>.</summary>
    /// <param name="managedThreadId">The managed thread id of a thread that is still running.</param>
    /// <returns>The number of queued calls; 0 when no running thread with that id has any.</returns>
    public int GetQueuedApcCount(int managedThreadId)
    {
        var queues = new List<(WsaThreadId Thread, ApcQueue Queue)>();
        lock (_lock)
        {
            foreach (var (thread, queue) in _queues)
            {
                if (thread.ManagedThreadId == managedThreadId)
                {
                    queues.Add((thread, queue));
                }
            }
        }

        int count = 0;
        foreach (var (thread, queue) in queues)
        {
            count += thread.IsAlive ? queue.Count : 0;
        }

        return count;
    }

    /// <summary>
    /// Waits alertably on the calling thread, as <c>SleepEx(timeout, TRUE)</c>: runs every call queued to
    /// this thread, waiting up to <paramref name="timeout"/> of <see cref="TimeProvider"/> time for the first one.
    /// </summary>
    /// <param name="timeout">How long to wait for a queued call; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever. Any finite length is accepted.</param>
    /// <returns>The number of calls that ran (0 when the wait timed out, WAIT_TIMEOUT; otherwise WAIT_IO_COMPLETION).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <remarks>Calls queued while the routines run are run too before the wait returns.</remarks>
    public int AlertableWait(TimeSpan timeout)
    {
        TimedWait.Validate(timeout, nameof(timeout));
        var queue = GetQueue(WsaThreadId.Current);
        if (queue is null)
        {
            return 0;
        }

        if (!queue.WaitForWork(timeout, TimeProvider))
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
    /// queued calls are discarded, and alertable waits return. Idempotent: a call made while another thread is tearing the
    /// process down returns once that teardown is done.
    /// </summary>
    public void Terminate()
    {
        IProcessMember[] members;
        ApcQueue[] queues;
        bool already;
        lock (_lock)
        {
            already = _terminated;
            if (!already)
            {
                _terminated = true;
                _terminator = WsaThreadId.Current;
                members = [.. _members];
                queues = [.. _queues.Values];
                _members.Clear();
                _queues.Clear();
            }
            else
            {
                members = [];
                queues = [];
            }
        }

        if (already)
        {
            // Another thread may still be tearing the process down: wait for it, so that every Terminate returns with the
            // process gone (not from inside that teardown, which would wait for itself).
            lock (_terminationGate)
            {
                while (!_terminationDone && _terminator != WsaThreadId.Current)
                {
                    Monitor.Wait(_terminationGate);
                }
            }

            return;
        }

        try
        {
            foreach (var member in members)
            {
                member.OnProcessTerminated();
            }

            foreach (var queue in queues)
            {
                queue.Abandon();
            }

            SimulatedWindow[] windows;
            lock (_lock)
            {
                windows = [.. _windows];
                _windows.Clear();
            }

            foreach (var window in windows)
            {
                window.Wake(); // a GetMessage waiting on a window of the process returns (its window is no longer valid)
            }
        }
        finally
        {
            lock (_terminationGate)
            {
                _terminationDone = true;
                Monitor.PulseAll(_terminationGate);
            }
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

    /// <summary>Remembers a window of the process, so that <see cref="Terminate"/> wakes a thread waiting on it.</summary>
    internal void AddWindow(SimulatedWindow window)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_terminated, this);
            _windows.RemoveAll(w => !w.Owner.IsAlive);
            _windows.Add(window);
        }
    }

    internal void Unregister(IProcessMember member)
    {
        lock (_lock)
        {
            _members.Remove(member);
        }
    }

    private ApcQueue? GetQueue(WsaThreadId thread)
    {
        if (ApcQueue.TryGetCached(this, thread) is { } cached)
        {
            return cached;
        }

        if (!thread.IsAlive)
        {
            return null; // OVL-10: a routine for a thread that has ended is discarded.
        }

        ApcQueue queue;
        lock (_lock)
        {
            if (_terminated)
            {
                return null;
            }

            if (!_queues.TryGetValue(thread, out queue!))
            {
                // A new queue is the moment to forget the queues of threads that have ended (their calls never run).
                foreach (var (owner, old) in _queues)
                {
                    if (!owner.IsAlive)
                    {
                        _queues.Remove(owner);
                        old.Abandon();
                    }
                }

                queue = new ApcQueue(this, thread);
                _queues.Add(thread, queue);
            }
        }

        ApcQueue.Cache(queue);
        return queue;
    }

    /// <summary>The APC queue of one thread: a FIFO under its own monitor.</summary>
    private sealed class ApcQueue(SimulatedProcess owner, WsaThreadId thread)
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

        public static ApcQueue? TryGetCached(SimulatedProcess process, WsaThreadId thread)
        {
            var last = t_last;
            return last is not null && last._owner == process && last._thread == thread && !last._abandoned ? last : null;
        }

        public static void Cache(ApcQueue queue)
        {
            if (queue._thread == WsaThreadId.Current)
            {
                t_last = queue;
            }
        }

        private readonly SimulatedProcess _owner = owner;
        private readonly WsaThreadId _thread = thread;

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
                // Once the process is terminated nothing it queued runs (PRC-2), even before the teardown abandons this
                // queue: an overlapped object counts as free from that moment (OVL-10), so its routine must not run.
                if (!_owner.IsTerminated && _items.TryDequeue(out var item))
                {
                    (routine, context) = item;
                    return true;
                }
            }

            routine = null!;
            context = null;
            return false;
        }

        public bool WaitForWork(TimeSpan timeout, TimeProvider time)
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

                using var deadline = TimedWait.Start(_items, time, timeout);
                while (_items.Count == 0 && !_abandoned && deadline is not { Expired: true })
                {
                    Monitor.Wait(_items);
                }

                return _items.Count > 0;
            }
        }

        /// <summary>
        /// Drops every queued call: they will never run. The queue knows nothing of what they would have completed; an
        /// overlapped object whose routine can no longer run sees that from its thread and process (OVL-7, OVL-10).
        /// </summary>
        public void Abandon()
        {
            lock (_items)
            {
                _abandoned = true;
                _items.Clear();
                Monitor.PulseAll(_items);
            }
        }
    }
}
