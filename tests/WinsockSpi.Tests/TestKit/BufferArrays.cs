using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Arrays of buffers (WSABUF) for tests of the calls that take them (EXT-5).</summary>
internal static class BufferArrays
{
    /// <summary>
    /// An array of buffers whose lengths add up to 2 GiB, one byte more than <see cref="int.MaxValue"/>: one 1 MiB block
    /// named 2,048 times (a <see cref="WsaBuf"/> is a view of memory, so only 1 MiB is allocated).
    /// </summary>
    /// <returns>The array.</returns>
    public static WsaBuf[] LongerThanIntMaxValue()
    {
        const int BlockSize = 1 << 20;
        var block = new byte[BlockSize];
        return [.. Enumerable.Repeat(new WsaBuf(block), (int)((long)int.MaxValue / BlockSize) + 1)];
    }
}
