using WinsockSpi.Network;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Deterministic payloads, so a peer can check every byte it receives, and bounded reads of them.</summary>
internal static class TestData
{
    /// <summary>Gives <paramref name="count"/> bytes of a repeatable pseudo-random pattern.</summary>
    /// <param name="count">The number of bytes.</param>
    /// <param name="seed">Selects the pattern; two seeds give different streams.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Pattern(int count, int seed = 1)
    {
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

    /// <summary>Reads from the peer until <paramref name="count"/> bytes arrived.</summary>
    /// <param name="peer">The far end that receives.</param>
    /// <param name="count">The number of bytes expected.</param>
    /// <returns>The bytes received.</returns>
    /// <exception cref="HarnessAssertionException">The stream stopped short (the peer read nothing more).</exception>
    public static byte[] ReadExactly(RemotePeer peer, int count)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var received = new byte[count];
        int at = 0;
        while (at < count)
        {
            int n = peer.Read(received.AsSpan(at, Math.Min(64 * 1024, count - at)));
            if (n <= 0)
            {
                throw new HarnessAssertionException($"The peer received {at} of {count} bytes, then nothing ({peer.State}).");
            }

            at += n;
        }

        return received;
    }
}
