using WinsockSpi.Processes;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// A member of a <see cref="SimulatedProcess"/> that runs <paramref name="released"/> while the process's termination
/// releases its members: after the process counts as terminated, before its APC queues are abandoned. Members are
/// released in the order they registered, so one registered before a provider runs while that provider still works.
/// </summary>
/// <param name="released">What to do inside the teardown.</param>
internal sealed class TeardownProbe(Action released) : IProcessMember
{
    /// <inheritdoc/>
    public void OnProcessTerminated() => released();
}
