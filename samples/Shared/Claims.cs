namespace WinsockSpi.Samples;

/// <summary>
/// The claims the sample makes about the simulator. Each one is checked as it is shown, and the exit code says
/// whether all held, so running the sample in CI catches a change of behaviour.
/// </summary>
internal static class Claims
{
    private static readonly List<string> s_failed = [];
    private static int s_checked;

    /// <summary>Records whether <paramref name="claim"/> holds.</summary>
    public static void Check(bool holds, string claim)
    {
        s_checked++;
        if (!holds)
        {
            s_failed.Add(claim);
        }
    }

    /// <summary>Prints the outcome and gives the exit code: 0 when every claim held, 1 otherwise.</summary>
    public static int Report()
    {
        if (s_failed.Count == 0)
        {
            Console.WriteLine($"All {s_checked} claims hold.");
            return 0;
        }

        Console.WriteLine($"{s_failed.Count} of {s_checked} claims do NOT hold:");
        foreach (var claim in s_failed)
        {
            Console.WriteLine($"  - {claim}");
        }

        return 1;
    }
}
