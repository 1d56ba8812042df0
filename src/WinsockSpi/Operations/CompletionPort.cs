using WinsockSpi.Processes;

namespace WinsockSpi.Operations;

/// <summary>
/// An I/O completion port: sockets associated with it post a packet when an overlapped operation
/// without a completion routine ends (OVL-4, CLS-2). The final cleanup posts nothing (CLN-4).
/// </summary>
/// <remarks>
/// <para>Thread-safe. Packets are dequeued in the order they were posted. Sockets are associated through their
/// provider (<c>ProviderRuntime.AssociateCompletionPort</c>, or the <c>Associate</c> extension in
/// <c>WinsockSpi.Provider</c>): the port itself knows no provider.</para>
/// <para>Dequeue timeouts are measured on the port's <see cref="TimeProvider"/>, so a fake clock drives them.</para>
/// </remarks>
public sealed class CompletionPort
{
    private readonly Queue<CompletionPacket> _packets = new();
    private long _posted;

    /// <summary>Creates a port.</summary>
    /// <param name="timeProvider">The clock of dequeue timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public CompletionPort(TimeProvider? timeProvider = null) => TimeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Gets the clock that measures dequeue timeouts.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets how many packets wait to be dequeued.</summary>
    public int Count
    {
        get
        {
            lock (_packets)
            {
                return _packets.Count;
            }
        }
    }

    /// <summary>Gets how many packets were ever posted.</summary>
    public long PostedCount => Interlocked.Read(ref _posted);

    /// <summary>Posts a packet (PostQueuedCompletionStatus).</summary>
    /// <param name="packet">The packet.</param>
    public void Post(CompletionPacket packet)
    {
        lock (_packets)
        {
            _packets.Enqueue(packet);
            _posted++;
            Monitor.Pulse(_packets);
        }
    }

    /// <summary>Dequeues a packet, waiting up to <paramref name="timeout"/> for one (GetQueuedCompletionStatus).</summary>
    /// <param name="packet">The packet, when one was dequeued.</param>
    /// <param name="timeout">How long to wait, in <see cref="TimeProvider"/> time; <see cref="TimeSpan.Zero"/> only looks;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever. Any finite length is accepted.</param>
    /// <returns>Whether a packet was dequeued.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public bool TryDequeue(out CompletionPacket packet, TimeSpan timeout)
    {
        TimedWait.Validate(timeout, nameof(timeout));
        lock (_packets)
        {
            if (_packets.Count == 0 && timeout != TimeSpan.Zero)
            {
                using var deadline = TimedWait.Start(_packets, TimeProvider, timeout);
                while (_packets.Count == 0 && deadline is not { Expired: true })
                {
                    Monitor.Wait(_packets);
                }
            }

            return _packets.TryDequeue(out packet);
        }
    }

    /// <summary>Dequeues a packet if one is waiting.</summary>
    /// <param name="packet">The packet, when one was dequeued.</param>
    /// <returns>Whether a packet was dequeued.</returns>
    public bool TryDequeue(out CompletionPacket packet) => TryDequeue(out packet, TimeSpan.Zero);
}
