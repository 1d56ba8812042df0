namespace WinsockSpi.Processes;

/// <summary>
/// A window of a <see cref="SimulatedProcess"/>, owned by the thread that created it, with the message queue that window
/// notifications are posted to (WSAAsyncSelect and the asynchronous requests, ASY-1..4).
/// </summary>
/// <remarks>
/// <para>A window accepts messages (<see cref="PostMessage"/>, as the Win32 PostMessage and WPUPostMessage do) only while
/// it is valid: not destroyed, its owning thread still running, its process not terminated. A post to a window that is
/// no longer valid fails and the message is discarded, as Windows discards it; the messages already queued stay there
/// to be read (ASY-3).</para>
/// <para>The queue is first in, first out. <see cref="PeekMessage"/> and <see cref="GetMessage"/> read it as the Win32
/// calls of those names do; <see cref="Messages"/> shows it without taking anything. Unlike Windows, the simulator lets
/// any thread read a window's queue, so a test can look at it from the outside; only posting depends on the owner.</para>
/// <para>Waits measure their timeout on the process's <see cref="SimulatedProcess.TimeProvider"/>. Thread-safe.</para>
/// </remarks>
public sealed class SimulatedWindow
{
    private static long s_nextHandle = 0x10000;

    private readonly Queue<WindowMessage> _queue = new();
    private bool _destroyed;
    private long _posted;

    /// <summary>Creates a window owned by the calling thread (CreateWindow).</summary>
    /// <param name="process">The process the window belongs to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="process"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="process"/> has terminated.</exception>
    public SimulatedWindow(SimulatedProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        ObjectDisposedException.ThrowIf(process.IsTerminated, process);
        Process = process;
        Owner = WsaThreadId.Current;
        Handle = (nint)Interlocked.Add(ref s_nextHandle, 4);
        process.AddWindow(this);
    }

    /// <summary>Gets the process the window belongs to.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets the thread that created the window and owns it.</summary>
    public WsaThreadId Owner { get; }

    /// <summary>Gets the window handle (HWND): never 0, unique in this AppDomain.</summary>
    public nint Handle { get; }

    /// <summary>
    /// Gets whether the window accepts messages (IsWindow): not destroyed, its owning thread running, its process not
    /// terminated.
    /// </summary>
    public bool IsValid
    {
        get
        {
            lock (_queue)
            {
                return !_destroyed && Owner.IsAlive && !Process.IsTerminated;
            }
        }
    }

    /// <summary>Gets how many messages are queued and not read yet.</summary>
    public int MessageCount
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Gets how many messages the window has accepted since it was created (read or not).</summary>
    public long PostedCount
    {
        get
        {
            lock (_queue)
            {
                return _posted;
            }
        }
    }

    /// <summary>Gets the queued messages, oldest first, without taking them (a snapshot).</summary>
    public IReadOnlyList<WindowMessage> Messages
    {
        get
        {
            lock (_queue)
            {
                return [.. _queue];
            }
        }
    }

    /// <summary>PostMessage: queues a message, if the window is still valid (<see cref="IsValid"/>).</summary>
    /// <param name="message">The message number.</param>
    /// <param name="wParam">The first parameter.</param>
    /// <param name="lParam">The second parameter.</param>
    /// <returns>Whether the message was queued; <see langword="false"/> when the window is no longer valid (the message is discarded).</returns>
    public bool PostMessage(int message, nuint wParam, nint lParam)
    {
        lock (_queue)
        {
            if (_destroyed || !Owner.IsAlive || Process.IsTerminated)
            {
                return false;
            }

            _queue.Enqueue(new WindowMessage(message, wParam, lParam));
            _posted++;
            Monitor.PulseAll(_queue);
            return true;
        }
    }

    /// <summary>PeekMessage with PM_REMOVE: takes the oldest message, if there is one, without waiting.</summary>
    /// <param name="message">The message taken.</param>
    /// <returns>Whether a message was taken.</returns>
    public bool PeekMessage(out WindowMessage message)
    {
        lock (_queue)
        {
            return _queue.TryDequeue(out message);
        }
    }

    /// <summary>
    /// GetMessage: takes the oldest message, waiting up to <paramref name="timeout"/> of the process's clock for one. The
    /// wait also ends when the window stops being valid because it was destroyed or its process terminated.
    /// </summary>
    /// <param name="message">The message taken.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>Whether a message was taken.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public bool GetMessage(out WindowMessage message, TimeSpan timeout)
    {
        TimedWait.Validate(timeout, nameof(timeout));
        lock (_queue)
        {
            if (_queue.TryDequeue(out message))
            {
                return true;
            }

            if (timeout == TimeSpan.Zero)
            {
                return false;
            }

            using var deadline = TimedWait.Start(_queue, Process.TimeProvider, timeout);
            while (_queue.Count == 0 && !_destroyed && !Process.IsTerminated && deadline is not { Expired: true })
            {
                Monitor.Wait(_queue);
            }

            return _queue.TryDequeue(out message);
        }
    }

    /// <summary>DestroyWindow: the window accepts no more messages; those already queued can still be read.</summary>
    public void Destroy()
    {
        lock (_queue)
        {
            _destroyed = true;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Shows the handle, the owner and the queue length.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"window 0x{Handle:X} of {Owner} in {Process} ({MessageCount} queued{(IsValid ? string.Empty : ", not valid")})";

    /// <summary>Wakes a <see cref="GetMessage"/> waiting on this window (its process terminated).</summary>
    internal void Wake()
    {
        lock (_queue)
        {
            Monitor.PulseAll(_queue);
        }
    }
}
