using System.Net;
using WinsockSpi.Faults;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// A stream connection on the <see cref="SimulatedNetwork"/>: two pipes and two ends. It belongs to the
/// network, not to a provider, so data handed to it outlives the provider and its process (CLN-7, CLN-8, PRC-2).
/// </summary>
/// <remarks>
/// Lock order: a provider's lock may be held when this lock is taken, never the reverse; an end's
/// listener is always called with no connection lock held.
/// </remarks>
internal sealed class Connection
{
    public Connection(SimulatedNetwork network, EndPoint initiatorEndPoint, EndPoint acceptorEndPoint, int initiatorSendBuffer, int acceptorSendBuffer)
    {
        Network = network;
        var toAcceptor = new Pipe(initiatorSendBuffer);
        var toInitiator = new Pipe(acceptorSendBuffer);
        Initiator = new ConnectionEnd(this, inbound: toInitiator, outbound: toAcceptor, initiatorEndPoint, acceptorEndPoint);
        Acceptor = new ConnectionEnd(this, inbound: toAcceptor, outbound: toInitiator, acceptorEndPoint, initiatorEndPoint);
        Initiator.Other = Acceptor;
        Acceptor.Other = Initiator;
        Faults = network.Faults;
        network.Recorder?.Record(TraceEventKind.Network, "Connected", 0, 0, null, null, null, $"{initiatorEndPoint} -> {acceptorEndPoint}");
        network.Track(this);
    }

    /// <summary>Gets or sets the fault plan whose byte faults apply to this connection (the network's when it was made).</summary>
    public FaultPlan? Faults { get; set; }

    /// <summary>Gets the lock guarding both pipes and both ends' reset state.</summary>
    public ConnectionGate Gate { get; } = new();

    public SimulatedNetwork Network { get; }

    /// <summary>Gets the connecting end.</summary>
    public ConnectionEnd Initiator { get; }

    /// <summary>Gets the accepting end.</summary>
    public ConnectionEnd Acceptor { get; }

    private volatile bool _isReset;

    /// <summary>Gets whether the connection was reset (set under the gate; read without it by an end's reader).</summary>
    public bool IsReset
    {
        get => _isReset;
        private set => _isReset = value;
    }

    /// <summary>Gets whether nothing can move on the connection any more: reset, or both FINs sent and every byte read.</summary>
    internal bool IsFinished_NeedsGate => IsReset || (Initiator.Inbound.IsEndOfStream && Acceptor.Inbound.IsEndOfStream);

    /// <summary>
    /// Resets the connection from <paramref name="by"/>: both directions drop their data; the other end sees
    /// WSAECONNRESET. The caller signals <c>by.Other</c> once it holds no lock.
    /// </summary>
    /// <returns>Whether this call reset it (false when it already was).</returns>
    /// <param name="by">The end that resets.</param>
    public bool ResetFrom(ConnectionEnd by)
    {
        using (Gate.Enter())
        {
            return Reset_NeedsGate(by);
        }
    }

    /// <summary>The reset of <see cref="ResetFrom"/>, with the gate held.</summary>
    internal bool Reset_NeedsGate(ConnectionEnd by)
    {
        if (IsReset)
        {
            return false;
        }

        IsReset = true;
        Network.Recorder?.Record(TraceEventKind.Network, "Reset", 0, 0, null, null, null, $"from {by.LocalEndPoint}");
        by.Inbound.Reset = by.Outbound.Reset = true;
        by.Inbound.Discard();
        by.Outbound.Discard();
        by.ResetByOther = false;
        by.Other.ResetByOther = true;
        return true;
    }

    /// <summary>Queues a FIN from <paramref name="by"/> behind the data it already sent. The caller signals <c>by.Other</c> once it holds no lock.</summary>
    /// <returns>Whether a FIN was queued.</returns>
    public bool FinFrom(ConnectionEnd by)
    {
        using (Gate.Enter())
        {
            return FinFrom_NeedsGate(by);
        }
    }

    /// <summary>The FIN of <see cref="FinFrom"/>, with the gate held.</summary>
    internal bool FinFrom_NeedsGate(ConnectionEnd by)
    {
        if (IsReset || by.Outbound.Fin)
        {
            return false;
        }

        by.Outbound.Fin = true;
        Network.Recorder?.Record(TraceEventKind.Network, "Fin", 0, 0, null, null, null, $"from {by.LocalEndPoint}");
        return true;
    }
}
