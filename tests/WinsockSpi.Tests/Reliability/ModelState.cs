using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>The model of one connection to a harness peer; it outlives its socket while a graceful close drains it (CLS-4, CLN-7).</summary>
internal sealed class ModelConnection(RemotePeer peer, int outCapacity, int inCapacity, int salt)
{
    public RemotePeer Peer { get; } = peer;

    public int Salt { get; } = salt;

    public int OutCapacity { get; } = outCapacity;

    public int InCapacity { get; } = inCapacity;

    /// <summary>Bytes written by the provider and not yet read by the peer.</summary>
    public int OutCount { get; set; }

    public long ProviderSent { get; set; }

    /// <summary>Bytes the provider's sends have taken into the stream, written or still queued.</summary>
    public long Committed { get; set; }

    public long PeerRead { get; set; }

    /// <summary>Bytes written by the peer and not yet read by the provider.</summary>
    public int InCount { get; set; }

    public long PeerWritten { get; set; }

    public long ProviderRead { get; set; }

    public bool PeerFin { get; set; }

    public bool ProviderFin { get; set; }

    public bool Reset { get; set; }

    public bool ResetByPeer { get; set; }

    public int OutRoom => Reset || ProviderFin ? 0 : OutCapacity - OutCount;

    public int InRoom => Reset || PeerFin ? 0 : InCapacity - InCount;

    public bool EndOfStream => PeerFin && InCount == 0 && !Reset;
}

/// <summary>The model of one socket: its handles (duplicates), its connection and its queued operations.</summary>
internal sealed class ModelSocket
{
    public List<SocketHandle> Handles { get; } = [];

    public ModelConnection? Connection { get; set; }

    public bool Blocking { get; set; } = true;

    public bool LingerAbort { get; set; }

    public int LingerSeconds { get; set; }

    public bool ShutSend { get; set; }

    public bool FinDeferred { get; set; }

    public bool ResetState { get; set; }

    public bool OnPort { get; set; }

    public WsaEvent? SelectEvent { get; set; }

    public List<ModelOperation> Receives { get; } = [];

    public List<ModelOperation> Sends { get; } = [];
}

/// <summary>An event and how many times the model says it was set.</summary>
internal sealed class ModelEvent
{
    public WsaEvent Event { get; } = new();

    public int Expected { get; set; }
}

/// <summary>One overlapped operation: what the model expects of its outcome and of each notification channel.</summary>
internal sealed class ModelOperation
{
    public required WsaOverlapped Overlapped { get; init; }

    public required ModelEvent? Event { get; init; }

    public required bool UsesRoutine { get; init; }

    public required bool OnPort { get; init; }

    public required bool IsSend { get; init; }

    public required SocketHandle Handle { get; init; }

    public byte[] Buffer { get; init; } = [];

    /// <summary>Where this operation's bytes sit in the stream (send: the provider's; receive: the peer's).</summary>
    public long Offset { get; set; }

    public int Progress { get; set; }

    public OperationStatus Status { get; set; } = OperationStatus.Pending;

    public WsaError Error { get; set; } = WsaError.IOPending;

    public int Bytes { get; set; }

    /// <summary>Notifications the model expects (0 or 1: OVL-5).</summary>
    public int Notified { get; set; }

    /// <summary>Completion routine runs actually seen, each with the outcome it was given.</summary>
    public int RoutineRuns { get; set; }

    public bool Busy => Status == OperationStatus.Pending || (UsesRoutine && Notified > RoutineRuns);
}
