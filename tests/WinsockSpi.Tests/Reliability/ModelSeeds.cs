using CsCheck;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// Runs a model over CsCheck seeds: fixed seeds first (the same sequences in every run), then seeds derived from one
/// fresh seed that is printed (set <see cref="SuiteLog.SeedVariable"/> to it to replay them). A failing seed is handed
/// back to CsCheck, which shrinks it to the smallest failing sequence it finds within a time budget.
/// </summary>
internal static class ModelSeeds
{
    private const int ShrinkSeconds = 8;

    /// <summary>The seed string of fixed seed <paramref name="index"/> of the stream <paramref name="stream"/>.</summary>
    public static string Fixed(uint stream, int index) => new PCG(stream, (ulong)(0x5EED_0000 + index)).ToString();

    /// <summary>Runs <paramref name="run"/> over fixed seeds until <paramref name="minimumSteps"/> steps, then <paramref name="freshSeeds"/> seeds from a fresh master.</summary>
    /// <returns>The steps played and the seeds used.</returns>
    public static (long Steps, int Seeds) Run<T>(string name, uint stream, Gen<T> gen, Func<T, int> run, Func<T, string> print, long minimumSteps, int freshSeeds)
    {
        long steps = 0;
        int seeds = 0;
        void Play(string seed)
        {
            try
            {
                Check.Sample(gen, input => { Interlocked.Add(ref steps, run(input)); }, seed: seed, iter: 1, threads: 1, print: print);
                seeds++;
            }
            catch (Exception first)
            {
                SuiteLog.Write($"{name}: seed {seed} failed after {steps:N0} steps; shrinking for up to {ShrinkSeconds} s");
                Check.Sample(gen, input => { run(input); }, seed: seed, iter: long.MaxValue, time: ShrinkSeconds, print: print);
                throw new InvalidOperationException($"{name}: seed {seed} failed (and did not fail again while shrinking): {first.Message}", first);
            }
        }

        for (int i = 0; steps < minimumSteps; i++)
        {
            Play(Fixed(stream, i));
        }

        long fixedSteps = steps;
        var master = Environment.GetEnvironmentVariable(SuiteLog.SeedVariable) is { Length: > 0 } replay
            ? ulong.Parse(replay, System.Globalization.CultureInfo.InvariantCulture)
            : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        SuiteLog.Write($"{name}: {seeds} fixed seeds, {fixedSteps:N0} steps; fresh master seed {master} ({SuiteLog.SeedVariable}={master} replays it)");
        for (int j = 0; j < freshSeeds; j++)
        {
            Play(new PCG(stream, master + (ulong)j).ToString());
        }

        SuiteLog.Write($"{name}: {seeds} seeds, {steps:N0} steps in all, every step checked against the model");
        return (steps, seeds);
    }
}
