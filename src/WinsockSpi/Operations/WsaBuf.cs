using System.Runtime.InteropServices;

namespace WinsockSpi.Operations;

/// <summary>
/// WSABUF: one buffer of the array a scatter/gather send or receive takes (EXT-5). A send drains the array in order; a
/// receive fills it in order, each buffer full before the next gets a byte.
/// </summary>
/// <remarks>
/// The same type serves sends and receives, as in C: a receive writes into <see cref="Buffer"/>, a send only reads it
/// (<see cref="FromReadOnly"/> wraps read-only memory, such as a <c>"TEST"u8</c> literal, for a send). The memory of an
/// overlapped operation must stay valid until it ends.
/// </remarks>
/// <param name="Buffer">The memory (buf), whose length is len.</param>
public readonly record struct WsaBuf(Memory<byte> Buffer)
{
    /// <summary>Gets len: the length of the buffer.</summary>
    public int Length => Buffer.Length;

    /// <summary>Wraps read-only memory for a send, which never writes to it.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <returns>The buffer.</returns>
    public static WsaBuf FromReadOnly(ReadOnlyMemory<byte> data) => new(MemoryMarshal.AsMemory(data));

    /// <summary>Wraps an array.</summary>
    /// <param name="buffer">The array.</param>
    public static implicit operator WsaBuf(byte[] buffer) => new(buffer);

    /// <summary>Wraps an array (the named alternative of the implicit conversion).</summary>
    /// <param name="buffer">The array.</param>
    /// <returns>The buffer.</returns>
    public static WsaBuf FromArray(byte[] buffer) => new(buffer);

    /// <summary>Gets the total length of an array of buffers.</summary>
    /// <param name="buffers">The buffers.</param>
    /// <returns>The sum of their lengths.</returns>
    /// <exception cref="OverflowException">The lengths add up to more than <see cref="int.MaxValue"/>.</exception>
    public static int TotalLength(ReadOnlySpan<WsaBuf> buffers)
    {
        int total = 0;
        foreach (var b in buffers)
        {
            total = checked(total + b.Length);
        }

        return total;
    }

    /// <summary>The total length of an array of buffers as a <see cref="long"/>: never overflows, however long the array.</summary>
    internal static long TotalLength64(ReadOnlySpan<WsaBuf> buffers)
    {
        long total = 0;
        foreach (var b in buffers)
        {
            total += b.Length;
        }

        return total;
    }

    /// <summary>
    /// The total length of an array of buffers, saturated at <see cref="int.MaxValue"/>: what an <see cref="int"/> count
    /// of requested bytes reports for an array longer than any one call can move.
    /// </summary>
    internal static int TotalLengthSaturated(ReadOnlySpan<WsaBuf> buffers) => (int)Math.Min(TotalLength64(buffers), int.MaxValue);

    /// <summary>Copies an array of buffers, in order, into one block (a gather): what a send of the array sends.</summary>
    /// <param name="buffers">The buffers.</param>
    /// <param name="length">Their total length, which the caller has computed and checked.</param>
    /// <returns>The bytes, in order.</returns>
    internal static byte[] Gather(ReadOnlySpan<WsaBuf> buffers, int length)
    {
        var all = new byte[length];
        Gather(buffers, all);
        return all;
    }

    /// <summary>Copies the bytes of an array of buffers, in order, into <paramref name="into"/> (at least their total length).</summary>
    /// <param name="buffers">The buffers.</param>
    /// <param name="into">Where the bytes go.</param>
    /// <returns>The bytes copied.</returns>
    internal static int Gather(ReadOnlySpan<WsaBuf> buffers, Span<byte> into)
    {
        int at = 0;
        foreach (var b in buffers)
        {
            b.Buffer.Span.CopyTo(into[at..]);
            at += b.Length;
        }

        return at;
    }

    /// <summary>Copies <paramref name="data"/> into an array of buffers, in order (a scatter).</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="buffers">The buffers; their total length is at least the data's.</param>
    internal static void Scatter(ReadOnlySpan<byte> data, ReadOnlySpan<WsaBuf> buffers)
    {
        foreach (var b in buffers)
        {
            if (data.IsEmpty)
            {
                return;
            }

            int n = Math.Min(data.Length, b.Length);
            data[..n].CopyTo(b.Buffer.Span);
            data = data[n..];
        }
    }
}
