using System.Net;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// A datagram address on the network driven by the test harness: it sends messages to simulated datagram sockets and
/// reads, with their source, the messages they sent to it (DGM-1..3). Nothing happens on its own: a message moves when
/// a socket or the harness sends it. Thread-safe.
/// </summary>
public sealed class DatagramPeer : IDisposable
{
    private readonly SimulatedNetwork _network;
    private readonly DatagramEndpoint _endpoint;

    internal DatagramPeer(SimulatedNetwork network, DatagramEndpoint endpoint)
    {
        _network = network;
        _endpoint = endpoint;
    }

    /// <summary>Gets the peer's endpoint on the network (for a scripted peer, to listen to its arrivals).</summary>
    internal DatagramEndpoint Endpoint => _endpoint;

    /// <summary>Gets the peer's bound address (port 0 was replaced by the port picked).</summary>
    public EndPoint LocalEndPoint => _endpoint.LocalEndPoint;

    /// <summary>Gets the address the peer's messages carry as their source (loopback when bound to the wildcard address).</summary>
    public EndPoint SourceEndPoint => _endpoint.SourceEndPoint;

    /// <summary>Gets the messages waiting to be read.</summary>
    public int Available => _endpoint.Count;

    /// <summary>Gets the messages that arrived at the peer and were queued.</summary>
    public long MessagesReceived => _endpoint.Received;

    /// <summary>Gets the messages dropped at the peer: its queue was full, or it was connected to another address (DGM-3).</summary>
    public long MessagesDropped => _endpoint.Dropped;

    /// <summary>Gets whether the peer was disposed (its address released).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    private int _disposed;

    /// <summary>
    /// Sends one message. Like a real datagram send it never fails for the network's sake: a message to an address
    /// where nothing is bound, or to a full queue, is dropped and counted (<see cref="SimulatedNetwork.DatagramsDropped"/>).
    /// </summary>
    /// <param name="data">The message (may be empty).</param>
    /// <param name="to">The destination, an <see cref="IPEndPoint"/>.</param>
    /// <returns>Whether the message was queued at the destination (what a real sender cannot know; tests can).</returns>
    /// <exception cref="ArgumentException"><paramref name="to"/> is not an <see cref="IPEndPoint"/>, or the message is larger than UDP carries.</exception>
    /// <exception cref="ObjectDisposedException">The peer was disposed.</exception>
    public bool SendTo(ReadOnlySpan<byte> data, EndPoint to)
    {
        ArgumentNullException.ThrowIfNull(to);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (to is not IPEndPoint ip)
        {
            throw new ArgumentException("The simulated network carries IP endpoints only.", nameof(to));
        }

        if (data.Length > DatagramEndpoint.MaxMessageSize(ip.AddressFamily))
        {
            throw new ArgumentException("The message is larger than a UDP datagram can be.", nameof(data));
        }

        var target = _network.SendDatagram(_endpoint, ip, data);
        _network.Recorder?.Record(TraceEventKind.Peer, "SendTo", 0, 0, null, null, data.Length, $"{_endpoint.LocalEndPoint} -> {ip}{(target is null ? " (dropped)" : string.Empty)}");
        target?.Signal();
        return target is not null;
    }

    /// <summary>Reads the oldest message that arrived: as much as fits in <paramref name="buffer"/>, the rest of it discarded.</summary>
    /// <param name="buffer">Where the message goes.</param>
    /// <param name="length">The bytes copied.</param>
    /// <param name="source">The address the message came from.</param>
    /// <returns>Whether a message was waiting.</returns>
    public bool TryReceive(Span<byte> buffer, out int length, out EndPoint? source)
    {
        bool got = _endpoint.TryReceive(buffer, out length, out _, out var from, out _);
        source = from;
        if (got)
        {
            _network.Recorder?.Record(TraceEventKind.Peer, "ReceiveFrom", 0, 0, null, null, length, $"{_endpoint.LocalEndPoint} <- {from}");
        }

        return got;
    }

    /// <summary>Reads the oldest message that arrived, whole.</summary>
    /// <returns>The message and its source, or <see langword="null"/> when none is waiting.</returns>
    public DatagramMessage? Receive()
    {
        if (_endpoint.Count == 0)
        {
            return null; // nothing waits (read without the gate): no scratch block for nothing
        }

        // A pooled block as long as the longest datagram, then the message copied out at its own length.
        int max = DatagramEndpoint.MaxMessageSize(_endpoint.LocalEndPoint.AddressFamily);
        var block = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            return TryReceive(block.AsSpan(0, max), out int length, out var source) ? new DatagramMessage(block.AsSpan(0, length).ToArray(), source!) : null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Releases the address at once; messages still queued are discarded.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _network.UnbindDatagram(_endpoint); // once, whichever thread disposes first
        }
    }
}
