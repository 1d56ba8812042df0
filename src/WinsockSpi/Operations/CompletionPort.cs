using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Operations;

/// <summary>
/// An I/O completion port: sockets associated with it post a packet when an overlapped operation
/// without a completion routine ends (OVL-4, CLS-2). The final cleanup posts nothing (CLN-4).
/// </summary>
/// <remarks>Thread-safe. Packets are dequeued in the order they were posted.</remarks>
public sealed class CompletionPort
{
    private readonly Queue<CompletionPacket> _packets = new();

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

    private long _posted;

    /// <summary>
    /// Associates a socket of <paramref name="provider"/> with this port (CreateIoCompletionPort on a socket handle).
    /// </summary>
    /// <param name="provider">The provider that owns the socket.</param>
    /// <param name="socket">The socket.</param>
    /// <param name="completionKey">The key each packet of the socket carries.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL when the socket is already associated with a port.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is <see langword="null"/>.</exception>
    public SpiResult Associate(ProviderRuntime provider, SocketHandle socket, nuint completionKey)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider.AssociateCompletionPort(socket, this, completionKey);
    }

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
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only looks.</param>
    /// <returns>Whether a packet was dequeued.</returns>
    public bool TryDequeue(out CompletionPacket packet, TimeSpan timeout)
    {
        long ms = (long)timeout.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(ms, -1, nameof(timeout));
        lock (_packets)
        {
            long deadline = ms < 0 ? long.MaxValue : Environment.TickCount64 + ms;
            while (_packets.Count == 0)
            {
                long remaining = deadline == long.MaxValue ? -1 : deadline - Environment.TickCount64;
                if (deadline != long.MaxValue && remaining <= 0)
                {
                    packet = default;
                    return false;
                }

                Monitor.Wait(_packets, (int)Math.Min(remaining, int.MaxValue));
            }

            packet = _packets.Dequeue();
            return true;
        }
    }

    /// <summary>Dequeues a packet if one is waiting.</summary>
    /// <param name="packet">The packet, when one was dequeued.</param>
    /// <returns>Whether a packet was dequeued.</returns>
    public bool TryDequeue(out CompletionPacket packet) => TryDequeue(out packet, TimeSpan.Zero);
}
