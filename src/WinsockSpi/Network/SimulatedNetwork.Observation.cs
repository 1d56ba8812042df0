using WinsockSpi.Faults;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

public sealed partial class SimulatedNetwork
{
    private volatile TraceRecorder? _recorder;
    private volatile FaultPlan? _faults;

    /// <summary>
    /// Gets or sets the recorder of everything on this network: the calls, upcalls and notifications of every provider
    /// on it (unless a provider has its own), its connections, resets and FINs, and every action of its remote peers.
    /// </summary>
    /// <value>The default is <see langword="null"/>: nothing is recorded.</value>
    public TraceRecorder? Recorder
    {
        get => _recorder;
        set => _recorder = value;
    }

    /// <summary>
    /// Gets or sets the fault plan of this network: every provider on it (unless it has its own) counts its calls against
    /// it, and every connection made while it is set is reset or stalled by its byte faults.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no fault.</value>
    public FaultPlan? Faults
    {
        get => _faults;
        set => _faults = value;
    }

    /// <summary>Gets whether a recorder or a fault plan is attached (one check on the paths that would use them).</summary>
    internal bool IsObserved => _recorder is not null || _faults is not null;
}
