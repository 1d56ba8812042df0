namespace WinsockSpi.Faults;

/// <summary>A scenario run by <see cref="FaultPlan.Explore"/> failed; the message names the seed and how to replay it.</summary>
public sealed class FaultPlanException : Exception
{
    /// <summary>Creates the exception for a failed run of <paramref name="plan"/>.</summary>
    /// <param name="plan">The plan of the run.</param>
    /// <param name="inner">What the scenario threw.</param>
    public FaultPlanException(FaultPlan plan, Exception inner)
        : base($"The scenario failed with {plan}: {inner?.Message}", inner)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
    }

    /// <summary>Gets the plan of the failed run.</summary>
    public FaultPlan Plan { get; }

    /// <summary>Gets the seed that replays the run, or <see langword="null"/> for a plan built by hand.</summary>
    public int? Seed => Plan.Seed;
}
