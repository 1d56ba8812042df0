using System.Numerics;

namespace WinsockSpi.Network;

/// <summary>
/// One direction of a connection: the bytes one end has sent and the other has not read yet, then an optional FIN.
/// Written and read under the owning <see cref="Connection.Gate"/>; its count may be looked at without it.
/// </summary>
/// <remarks>
/// <para>
/// The pipe keeps totals instead of a count that both sides change: the writer advances the bytes written and the
/// reader the bytes read, each publishing its own total with a release store after its copy, and each reading the
/// other's with an acquire load before its own. A byte lives at its position in the stream modulo the buffer's length,
/// a power of two; the writer only fills positions the reader has published as read, and a growth (by the writer)
/// copies the unread bytes to the same positions of the new buffer before publishing it. So a reader copying without
/// the gate would always copy the bytes it looked at, and the count looked at without it is one the pipe had. The
/// reader nevertheless reads under the gate: a read without it is not linearizable with a write the room limits
/// (<see cref="ConnectionEnd.Receive"/>).
/// </para>
/// <para>
/// A reset (<see cref="Reset"/>, then <see cref="Discard"/>) does not touch the reader's total: it marks the written
/// total as dropped, and <see cref="Count"/> reads 0 from then on. A reader that looked before the reset copies what it
/// looked at, which is a read made before the reset.
/// </para>
/// </remarks>
internal sealed class Pipe(int capacity)
{
    /// <summary>The most bytes a pipe holds, whatever the sender's buffer size: the largest power-of-two byte array.</summary>
    internal const int MaxCapacity = 1 << 30;

    private byte[] _buffer = [];
    private long _written; // the writer's total: written under the gate, published with a release store
    private long _read; // the reader's position: written by the one reader, published with a release store
    private long _dropped; // the written total when the data was last discarded (a reset): written under the gate
    private long _totalRead; // the bytes the reader copied out (a discard's bytes are not read)
    private volatile bool _fin;
    private volatile bool _reset;

    /// <summary>Gets the most bytes the pipe holds (the sender's buffer size, at most <see cref="MaxCapacity"/>: flow control, OVL-9).</summary>
    public int Capacity { get; } = Math.Min(capacity, MaxCapacity);

    /// <summary>Gets the bytes written and not read yet (0 after a reset).</summary>
    public int Count => _reset ? 0 : Unread;

    /// <summary>Gets or sets whether the writer closed gracefully: the reader gets end-of-stream after the data.</summary>
    public bool Fin
    {
        get => _fin;
        set => _fin = value;
    }

    /// <summary>Gets or sets whether the connection was reset: the data is gone, the reader gets WSAECONNRESET.</summary>
    public bool Reset
    {
        get => _reset;
        set => _reset = value;
    }

    /// <summary>Gets the bytes ever written.</summary>
    public long TotalWritten => Volatile.Read(ref _written);

    /// <summary>Gets the bytes ever read.</summary>
    public long TotalRead => Volatile.Read(ref _totalRead);

    /// <summary>Gets the bytes the writer may still add.</summary>
    public int Room => _reset || _fin ? 0 : Capacity - Unread;

    /// <summary>Gets whether the reader has reached end-of-stream.</summary>
    public bool IsEndOfStream => _fin && !_reset && Unread == 0;

    /// <summary>Gets the bytes between the reader's position (or the last discard) and the written total.</summary>
    /// <remarks>The positions are read before the total, which never falls behind them, so it is never negative.</remarks>
    private int Unread
    {
        get
        {
            long from = Math.Max(Volatile.Read(ref _read), Volatile.Read(ref _dropped));
            return (int)(Volatile.Read(ref _written) - from);
        }
    }

    /// <summary>Appends as much of <paramref name="data"/> as there is room for. The writer holds the gate.</summary>
    /// <returns>The bytes written.</returns>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (_reset || _fin)
        {
            return 0; // no room (Room)
        }

        // The reader's position is read once: the room and the positions this write may fill both follow from it.
        long from = Math.Max(Volatile.Read(ref _read), _dropped);
        long written = _written;
        int n = Math.Min(data.Length, Capacity - (int)(written - from));
        if (n <= 0)
        {
            return 0;
        }

        int needed = (int)(written + n - from);
        var buffer = _buffer;
        if (needed > buffer.Length)
        {
            buffer = Grow(from, written, needed);
        }

        int mask = buffer.Length - 1;
        int tail = (int)(written & mask);
        int first = Math.Min(n, buffer.Length - tail);
        data[..first].CopyTo(buffer.AsSpan(tail));
        if (first < n)
        {
            data[first..n].CopyTo(buffer);
        }

        Volatile.Write(ref _written, written + n); // publishes the bytes (and a grown buffer) to the reader
        return n;
    }

    /// <summary>
    /// Moves unread bytes into <paramref name="destination"/>. The one reader calls it, under the gate: it
    /// looks (<see cref="Look"/>), copies and publishes its new position (<see cref="Take"/>).
    /// </summary>
    /// <returns>The bytes read (0 when none wait or the destination is empty).</returns>
    public int Read(Span<byte> destination) => Take(Look(), destination);

    /// <summary>The reader's first step: what it may read, and from which buffer.</summary>
    internal ReadLook Look()
    {
        long from = Math.Max(_read, Volatile.Read(ref _dropped));
        long written = Volatile.Read(ref _written); // acquire: the bytes before it, and the buffer holding them
        return new ReadLook(from, (int)(written - from), Volatile.Read(ref _buffer));
    }

    /// <summary>The reader's second step: copies what it looked at, then publishes its position.</summary>
    internal int Take(ReadLook look, Span<byte> destination)
    {
        int n = Math.Min(destination.Length, look.Available);
        if (n <= 0)
        {
            return 0;
        }

        CopyOut(look.Buffer, look.From, destination[..n]);
        Volatile.Write(ref _totalRead, _totalRead + n);
        Volatile.Write(ref _read, look.From + n); // release: the writer may reuse these positions only after the copy
        return n;
    }

    /// <summary>Copies unread bytes from <paramref name="skip"/> on into <paramref name="destination"/> without consuming them (MSG_PEEK).</summary>
    public int Peek(Span<byte> destination, int skip)
    {
        var look = Look();
        int n = Math.Min(destination.Length, look.Available - skip);
        if (n <= 0)
        {
            return 0;
        }

        CopyOut(look.Buffer, look.From + skip, destination[..n]);
        return n;
    }

    /// <summary>Drops the unread data (a reset, with the gate held) and returns how many bytes were lost.</summary>
    /// <remarks>
    /// The reader's position stays the reader's: the written total becomes the point it reads from. A reset makes no
    /// room (<see cref="Reset"/> is set first), so no write reuses the positions of bytes a reader is still copying. The
    /// count includes bytes a reader that looked before the reset may still copy and deliver: that read comes before the
    /// reset.
    /// </remarks>
    public int Discard()
    {
        int lost = Unread;
        Volatile.Write(ref _dropped, _written);
        return lost;
    }

    private static void CopyOut(byte[] buffer, long position, Span<byte> destination)
    {
        int mask = buffer.Length - 1;
        int start = (int)(position & mask);
        int first = Math.Min(destination.Length, buffer.Length - start);
        buffer.AsSpan(start, first).CopyTo(destination);
        if (first < destination.Length)
        {
            buffer.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
        }
    }

    /// <summary>
    /// Replaces the buffer by one of at least <paramref name="needed"/> bytes (a power of two), with the unread bytes at
    /// the same positions, and publishes it before any byte written into it.
    /// </summary>
    private byte[] Grow(long from, long written, int needed)
    {
        var old = _buffer;
        int size = old.Length > 0 ? old.Length : (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Capacity, 1, 256));
        while (size < needed)
        {
            size *= 2;
        }

        var grown = new byte[size];
        for (long p = from; p < written;)
        {
            int at = (int)(p & (old.Length - 1));
            int to = (int)(p & (size - 1));
            int chunk = (int)Math.Min(written - p, Math.Min(old.Length - at, size - to));
            old.AsSpan(at, chunk).CopyTo(grown.AsSpan(to));
            p += chunk;
        }

        Volatile.Write(ref _buffer, grown);
        return grown;
    }
}

/// <summary>What the reader of a <see cref="Pipe"/> looked at: its position, the bytes after it, the buffer holding them.</summary>
internal readonly record struct ReadLook(long From, int Available, byte[] Buffer);
