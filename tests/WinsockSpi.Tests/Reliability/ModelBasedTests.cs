using CsCheck;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The model-based suite: random sequences of every public call of the provider, played against
/// <see cref="ProviderModel"/>; each call's result and the whole observable state after every step must match. At least
/// 10,000 steps per run over fixed seeds, plus a printed fresh seed; a failure is shrunk by CsCheck.
/// </summary>
public sealed class ModelBasedTests
{
    private static readonly Gen<ModelCommand[]> s_sequences = ModelCommand.Sequences(160);

    private static long MinimumSteps => SuiteLog.Long ? 400_000 : 10_000;

    private static int FreshSeeds => SuiteLog.Long ? 2_000 : 30;

    [Fact]
    [Trait("Suite", "ModelBased")]
    public async Task ProviderRuntime_RandomSequences_AgreeWithTheModel()
    {
        var tally = new ModelTally();
        var (steps, _) = await SuiteLog.Bounded(() => ModelSeeds.Run("model/provider", 11, s_sequences, s => ProviderModel.Run(s, layered: false, tally: tally), Print, MinimumSteps, FreshSeeds));
        SuiteLog.Write($"model/provider: {tally}");
        Assert.True(steps >= MinimumSteps);
    }

    [Fact]
    [Trait("Suite", "ModelBased")]
    public async Task LayeredProvider_RandomSequences_AgreeWithTheModel()
    {
        var tally = new ModelTally();
        var (steps, _) = await SuiteLog.Bounded(() => ModelSeeds.Run("model/layered", 12, s_sequences, s => ProviderModel.Run(s, layered: true, tally: tally), Print, MinimumSteps / 2, FreshSeeds / 2));
        SuiteLog.Write($"model/layered: {tally}");
        Assert.True(steps >= MinimumSteps / 2);
    }

    [Fact]
    [Trait("Suite", "ModelBased")]
    public async Task LayeredProvider_OverASharedLowerProvider_AgreesWithTheModel()
    {
        // Another client keeps the lower provider started: the layer's final cleanup must still tear down what was
        // created through it (CLN-4, CLN-6, CLN-10, LSP-1).
        var (steps, _) = await SuiteLog.Bounded(() => ModelSeeds.Run("model/layered-shared", 13, s_sequences, s => ProviderModel.Run(s, layered: true, sharedLower: true), Print, MinimumSteps / 4, FreshSeeds / 4));
        Assert.True(steps >= MinimumSteps / 4);
    }

    [Fact]
    [Trait("Suite", "ModelBased")]
    public async Task Ws2Api_RandomSequences_AgreeWithTheModel()
    {
        var tally = new ModelTally();
        var (steps, _) = await SuiteLog.Bounded(() => ModelSeeds.Run("model/ws2", 14, s_sequences, s => ProviderModel.Run(s, layered: false, ws2: true, tally: tally), Print, MinimumSteps / 2, FreshSeeds / 2));
        SuiteLog.Write($"model/ws2: {tally}");
        Assert.True(steps >= MinimumSteps / 2);
    }

    internal static string Print(ModelCommand[] steps) => $"{steps.Length} steps: " + string.Join(" ", steps);
}
