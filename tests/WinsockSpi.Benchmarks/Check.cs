using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Benchmarks;

/// <summary>Cheap checks that a benchmark measured what it claims (a wrong path throws instead of timing nonsense).</summary>
internal static class Check
{
    public static void Equal<T>(T expected, T actual, string what)
        where T : struct
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Fail(what, expected, actual);
        }
    }

    [DoesNotReturn]
    private static void Fail<T>(string what, T expected, T actual)
        => throw new InvalidOperationException($"{what}: expected {expected}, got {actual}.");
}
