using WinsockSpi.Network;

namespace WinsockSpi.Testing;

/// <summary>Repeatable payloads, so a peer can check every byte it receives, and bounded reads of them.</summary>
public static class HarnessData
{
    /// <summary>Gives <paramref name="count"/> bytes of a repeatable pseudo-random pattern (xorshift).</summary>
    /// <param name="count">The number of bytes.</param>
    /// <param name="seed">Selects the pattern; two seeds give different streams.</param>
    /// <returns>The bytes; the same for the same arguments on every run and platform.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static byte[] Pattern(int count, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var data = new byte[count];
        uint x = ((uint)seed * 2654435761u) | 1;
        for (int i = 0; i < count; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data[i] = (byte)x;
        }

        return data;
    }

    /// <summary>Reads from the peer until <paramref name="count"/> bytes arrived; the socket must have sent them already.</summary>
    /// <param name="peer">The far end that receives.</param>
    /// <param name="count">The number of bytes expected.</param>
    /// <returns>The bytes received.</returns>
    /// <exception cref="HarnessAssertionException">Fewer bytes were waiting; the message says how many and the peer's state.</exception>
    public static byte[] ReadExactly(this RemotePeer peer, int count)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var received = new byte[count];
        int at = 0;
        while (at < count)
        {
            int n = peer.Read(received.AsSpan(at, Math.Min(64 * 1024, count - at)));
            if (n <= 0)
            {
                throw new HarnessAssertionException($"The peer received {at} of {count} bytes, then nothing ({peer}).");
            }

            at += n;
        }

        return received;
    }
}
