using WinsockSpi.Network;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Deterministic payloads and bounded reads of them: the kit's <see cref="HarnessData"/> under the tests' names.</summary>
internal static class TestData
{
    /// <summary>Gives <paramref name="count"/> bytes of a repeatable pseudo-random pattern.</summary>
    /// <param name="count">The number of bytes.</param>
    /// <param name="seed">Selects the pattern; two seeds give different streams.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Pattern(int count, int seed = 1) => HarnessData.Pattern(count, seed);

    /// <summary>Reads from the peer until <paramref name="count"/> bytes arrived.</summary>
    /// <param name="peer">The far end that receives.</param>
    /// <param name="count">The number of bytes expected.</param>
    /// <returns>The bytes received.</returns>
    /// <exception cref="HarnessAssertionException">The stream stopped short (the peer read nothing more).</exception>
    public static byte[] ReadExactly(RemotePeer peer, int count) => peer.ReadExactly(count);
}
