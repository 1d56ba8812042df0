using System.Runtime.CompilerServices;

namespace WinsockSpi.Network;

/// <summary>
/// One direction of a connection: the bytes one end has sent and the other has not read yet, then an
/// optional FIN. Guarded by the owning <see cref="Connection.Gate"/>.
/// </summary>
internal sealed class Pipe(int capacity)
{
    private byte[] _buffer = [];
    private int _head;

    /// <summary>Gets the most bytes the pipe holds (the sender's buffer size: flow control, OVL-9).</summary>
    public int Capacity { get; } = capacity;

    /// <summary>The bytes written and not read yet (a field, so that a lock-free look can read it volatile).</summary>
    internal int CountField;

    /// <summary>Gets the bytes written and not read yet.</summary>
    public int Count
    {
        get => CountField;
        private set => CountField = value;
    }

    /// <summary>Gets or sets whether the writer closed gracefully: the reader gets end-of-stream after the data.</summary>
    public bool Fin { get; set; }

    /// <summary>Gets or sets whether the connection was reset: the data is gone, the reader gets WSAECONNRESET.</summary>
    public bool Reset { get; set; }

    /// <summary>Gets the bytes ever written.</summary>
    public long TotalWritten { get; private set; }

    /// <summary>Gets the bytes ever read.</summary>
    public long TotalRead { get; private set; }

    /// <summary>Gets the bytes the writer may still add.</summary>
    public int Room
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Reset || Fin ? 0 : Capacity - Count;
    }

    /// <summary>Gets whether the reader has reached end-of-stream.</summary>
    public bool IsEndOfStream
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fin && Count == 0 && !Reset;
    }

    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Room);
        if (n == 0)
        {
            return 0;
        }

        if (Count + n > _buffer.Length)
        {
            Grow(Count + n);
        }

        // _head and Count are each below the length, so one subtraction wraps (no division on the data path).
        int tail = _head + Count;
        if (tail >= _buffer.Length)
        {
            tail -= _buffer.Length;
        }

        int first = Math.Min(n, _buffer.Length - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        if (first < n)
        {
            data[first..n].CopyTo(_buffer);
        }

        Count += n;
        TotalWritten += n;
        return n;
    }

    public int Read(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Count);
        if (n == 0)
        {
            return 0;
        }

        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        if (first < n)
        {
            _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        }

        Count -= n;
        TotalRead += n;
        _head += n;
        if (Count == 0)
        {
            _head = 0;
        }
        else if (_head >= _buffer.Length)
        {
            _head -= _buffer.Length;
        }

        return n;
    }

    /// <summary>Copies unread bytes from <paramref name="skip"/> on into <paramref name="destination"/> without consuming them (MSG_PEEK).</summary>
    public int Peek(Span<byte> destination, int skip)
    {
        int n = Math.Min(destination.Length, Count - skip);
        if (n <= 0)
        {
            return 0;
        }

        int start = _head + skip;
        if (start >= _buffer.Length)
        {
            start -= _buffer.Length;
        }

        int first = Math.Min(n, _buffer.Length - start);
        _buffer.AsSpan(start, first).CopyTo(destination);
        if (first < n)
        {
            _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        }

        return n;
    }

    /// <summary>Drops the unread data (a reset) and returns how many bytes were lost.</summary>
    public int Discard()
    {
        int lost = Count;
        Count = 0;
        _head = 0;
        return lost;
    }

    private void Grow(int needed)
    {
        int size = Math.Max(Math.Min(Capacity, 256), _buffer.Length);
        while (size < needed)
        {
            size = (int)Math.Min((long)size * 2, Capacity);
        }

        var grown = new byte[size];
        if (Count > 0)
        {
            int first = Math.Min(Count, _buffer.Length - _head);
            _buffer.AsSpan(_head, first).CopyTo(grown);
            _buffer.AsSpan(0, Count - first).CopyTo(grown.AsSpan(first));
        }

        _buffer = grown;
        _head = 0;
    }
}
