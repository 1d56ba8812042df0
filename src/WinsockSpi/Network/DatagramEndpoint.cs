using System.Net;
using System.Net.Sockets;

namespace WinsockSpi.Network;

/// <summary>
/// One bound datagram address on the network: its queue of arrived messages (whole messages with their source, never
/// merged or split, DGM-1), the connected address that filters sources (DGM-3), the counts of messages received and
/// dropped, and who to tell when a message arrives. Every operation on the queue takes the endpoint's gate once, so no
/// code outside this module holds it.
/// </summary>
/// <remarks>
/// The queue keeps the bytes of its messages in one ring and their lengths and sources in another, both grown to the
/// most they held and then reused: a message that arrives and is read allocates nothing in steady state.
/// </remarks>
internal sealed class DatagramEndpoint
{
    private readonly ConnectionGate _gate = new();
    private byte[] _bytes = [];
    private int _byteHead;
    private int _byteCount;
    private Entry[] _entries = [];
    private int _entryHead;
    private int _entryCount;
    private IPEndPoint? _connectedTo;
    private bool _closed;
    private long _received;
    private long _dropped;
    private volatile IDatagramListener? _listener;

    internal DatagramEndpoint(IPEndPoint localEndPoint, int capacity, IDatagramListener? listener, string? owner = null)
    {
        LocalEndPoint = localEndPoint;
        Owner = owner;
        Capacity = capacity;
        _listener = listener;

        // A message sent from a wildcard binding carries the loopback address of its family as its source: the
        // simulated network has one host, reached through loopback.
        SourceEndPoint = localEndPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, localEndPoint.Port)
            : localEndPoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, localEndPoint.Port)
            : localEndPoint;
    }

    /// <summary>Gets who bound the address, as the state dump names it; <see langword="null"/> for a harness peer (<see cref="DatagramPeer"/>).</summary>
    public string? Owner { get; }

    /// <summary>Gets the bound address (possibly the wildcard address of its family).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Gets the source address a receiver sees for messages sent from this endpoint.</summary>
    public IPEndPoint SourceEndPoint { get; }

    /// <summary>Gets the most bytes of messages the queue holds; a message that does not fit is dropped (DGM-3).</summary>
    public int Capacity { get; }

    /// <summary>Gets the messages waiting to be read (read without the gate: a hint, exact under the caller's own lock order).</summary>
    public int Count => Volatile.Read(ref _entryCount);

    /// <summary>Gets the messages that arrived and were queued.</summary>
    public long Received
    {
        get
        {
            using (_gate.Enter())
            {
                return _received;
            }
        }
    }

    /// <summary>Gets the messages dropped here: the queue was full, or the source was not the connected address (DGM-3).</summary>
    public long Dropped
    {
        get
        {
            using (_gate.Enter())
            {
                return _dropped;
            }
        }
    }

    /// <summary>Reads the queue and its counts in one step under the gate, for the state dump.</summary>
    /// <returns>The messages and bytes waiting, the messages received and dropped, and the connected address (or null).</returns>
    internal (int Messages, int Bytes, long Received, long Dropped, IPEndPoint? ConnectedTo) Snapshot()
    {
        using (_gate.Enter())
        {
            return (_entryCount, _byteCount, _received, _dropped, _connectedTo);
        }
    }

    /// <summary>Gets or sets who is told when a message arrives.</summary>
    public IDatagramListener? Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Sets (or with <see langword="null"/> clears) the only source whose messages are accepted (a connected datagram socket, DGM-3).</summary>
    /// <param name="remote">The connected address.</param>
    public void Connect(IPEndPoint? remote)
    {
        using (_gate.Enter())
        {
            _connectedTo = remote;
        }
    }

    /// <summary>
    /// Queues a message if the endpoint is open, the source is accepted and the queue has room; otherwise drops it and
    /// counts the drop here (DGM-3).
    /// </summary>
    /// <returns>Whether the message was queued (the caller then signals the endpoint).</returns>
    internal bool Offer(ReadOnlySpan<byte> data, IPEndPoint source)
    {
        using (_gate.Enter())
        {
            if (_closed)
            {
                return false; // unbound meanwhile: nothing is bound any more (the network counts it)
            }

            if ((_connectedTo is { } connected && !connected.Equals(source)) || _byteCount + data.Length > Capacity)
            {
                _dropped++;
                return false;
            }

            EnsureEntryRoom();
            EnsureByteRoom(_byteCount + data.Length);
            int tail = _byteHead + _byteCount;
            if (tail >= _bytes.Length && _bytes.Length > 0)
            {
                tail -= _bytes.Length;
            }

            int first = _bytes.Length - tail;
            if (data.Length <= first)
            {
                data.CopyTo(_bytes.AsSpan(tail)); // the usual case: the message fits before the end of the ring
            }
            else
            {
                data[..first].CopyTo(_bytes.AsSpan(tail));
                data[first..].CopyTo(_bytes);
            }

            int slot = _entryHead + _entryCount;
            if (slot >= _entries.Length)
            {
                slot -= _entries.Length;
            }

            _entries[slot] = new Entry(data.Length, source);
            _byteCount += data.Length;
            Volatile.Write(ref _entryCount, _entryCount + 1);
            _received++;
            return true;
        }
    }

    /// <summary>
    /// Takes the oldest message: copies as much as fits into <paramref name="buffer"/> and discards the rest (DGM-2).
    /// </summary>
    /// <param name="buffer">Where the message goes.</param>
    /// <param name="copied">The bytes copied.</param>
    /// <param name="truncated">Whether the message was longer than the buffer (the call then reports WSAEMSGSIZE).</param>
    /// <param name="source">The message's source address.</param>
    /// <param name="remaining">The messages still waiting afterwards.</param>
    /// <returns>Whether a message was waiting.</returns>
    public bool TryReceive(Span<byte> buffer, out int copied, out bool truncated, out IPEndPoint? source, out int remaining)
    {
        if (Volatile.Read(ref _entryCount) == 0)
        {
            // Nothing waiting (read without the gate): a message that arrives meanwhile is signalled afterwards.
            copied = 0;
            truncated = false;
            source = null;
            remaining = 0;
            return false;
        }

        using (_gate.Enter())
        {
            if (_entryCount == 0)
            {
                copied = 0;
                truncated = false;
                source = null;
                remaining = 0;
                return false;
            }

            var entry = _entries[_entryHead];
            _entries[_entryHead] = default;
            _entryHead = _entryHead + 1 == _entries.Length ? 0 : _entryHead + 1;
            Volatile.Write(ref _entryCount, _entryCount - 1);
            copied = Math.Min(entry.Length, buffer.Length);
            int first = _bytes.Length - _byteHead;
            if (copied <= first)
            {
                _bytes.AsSpan(_byteHead, copied).CopyTo(buffer); // the usual case: the message does not wrap
            }
            else
            {
                _bytes.AsSpan(_byteHead, first).CopyTo(buffer);
                _bytes.AsSpan(0, copied - first).CopyTo(buffer[first..]);
            }

            _byteCount -= entry.Length;
            _byteHead += entry.Length;
            if (_byteCount == 0)
            {
                _byteHead = 0;
            }
            else if (_byteHead >= _bytes.Length)
            {
                _byteHead -= _bytes.Length;
            }

            truncated = entry.Length > buffer.Length;
            source = entry.Source;
            remaining = _entryCount;
            return true;
        }
    }

    /// <summary>Closes the endpoint: queued messages are discarded and later ones are not accepted.</summary>
    internal void Close()
    {
        using (_gate.Enter())
        {
            _closed = true;
            _listener = null;
            _connectedTo = null;
            Array.Clear(_entries);
            _entryHead = 0;
            Volatile.Write(ref _entryCount, 0);
            _byteHead = 0;
            _byteCount = 0;
        }
    }

    /// <summary>Tells the listener that a message arrived. Called with no lock held, after <see cref="SimulatedNetwork.SendDatagram"/> queued it.</summary>
    public void Signal() => _listener?.OnDatagramArrived(this, sendsReleased: false);

    /// <summary>Tells the listener that the network let its held sends go. Called with no lock held.</summary>
    public void SignalSendsReleased() => _listener?.OnDatagramArrived(this, sendsReleased: true);

    /// <summary>
    /// Gets whether this endpoint's sends never run at once, so that it may remember its last route
    /// (<see cref="LastRoute"/>): true for a provider socket's endpoint (it has an <see cref="Owner"/>), whose sends all
    /// run under its provider's lock; false for a harness peer, which any thread may use.
    /// </summary>
    internal bool CachesRoute => Owner is not null;

    /// <summary>
    /// The last destination this endpoint sent to and where it led (<see cref="SimulatedNetwork.SendDatagram"/>), when
    /// <see cref="CachesRoute"/>; read and written by the sender only.
    /// </summary>
    internal DatagramRoute LastRoute;

    /// <summary>The largest message the protocol carries for an address family (UDP over IPv4 or IPv6).</summary>
    /// <param name="family">The family.</param>
    /// <returns>The most bytes a message may have.</returns>
    public static int MaxMessageSize(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? 65_527 : 65_507;

    private void EnsureEntryRoom()
    {
        if (_entryCount < _entries.Length)
        {
            return;
        }

        var grown = new Entry[Math.Max(4, _entries.Length * 2)];
        for (int i = 0; i < _entryCount; i++)
        {
            int from = _entryHead + i;
            grown[i] = _entries[from >= _entries.Length ? from - _entries.Length : from];
        }

        _entries = grown;
        _entryHead = 0;
    }

    private void EnsureByteRoom(int needed)
    {
        if (needed <= _bytes.Length)
        {
            return;
        }

        int size = Math.Max(Math.Min(Capacity, 256), _bytes.Length);
        while (size < needed)
        {
            size = (int)Math.Min((long)size * 2, Capacity);
        }

        var grown = new byte[size];
        if (_byteCount > 0)
        {
            int first = Math.Min(_byteCount, _bytes.Length - _byteHead);
            _bytes.AsSpan(_byteHead, first).CopyTo(grown);
            _bytes.AsSpan(0, _byteCount - first).CopyTo(grown.AsSpan(first));
        }

        _bytes = grown;
        _byteHead = 0;
    }

    private readonly record struct Entry(int Length, IPEndPoint? Source);
}
