using CsCheck;

namespace WinsockSpi.Tests.Reliability;

/// <summary>What one step of a model-based sequence does (see <see cref="ProviderModel"/> for each one's meaning).</summary>
internal enum ModelAction
{
    Startup,
    Cleanup,
    Connect,
    SocketOnly,
    ListenSocket,
    Duplicate,
    Close,
    Send,
    Receive,
    SendDirect,
    ReceiveDirect,
    Reuse,
    SetBlocking,
    SetLinger,
    Shutdown,
    GetResult,
    PeerWrite,
    PeerRead,
    PeerClose,
    PeerReset,
    Stale,
    AlertableWait,
    DrainPort,
    Names,
    EventSelect,
    CancelBlocking,
}

/// <summary>
/// One step: an action and two small numbers that the model turns into a target (which socket, which operation) and a
/// size or a mode when the step runs, so any sequence is meaningful in any state and CsCheck may shrink it freely.
/// </summary>
internal readonly record struct ModelCommand(ModelAction Action, int A, int B)
{
    /// <summary>Random sequences of steps, weighted towards data movement and the endings that race with it.</summary>
    public static Gen<ModelCommand[]> Sequences(int maxLength) =>
        Gen.Select(
            Gen.Frequency(
                (3, ModelAction.Startup), (2, ModelAction.Cleanup), (8, ModelAction.Connect), (1, ModelAction.SocketOnly),
                (1, ModelAction.ListenSocket), (2, ModelAction.Duplicate), (4, ModelAction.Close), (8, ModelAction.Send),
                (8, ModelAction.Receive), (3, ModelAction.SendDirect), (3, ModelAction.ReceiveDirect), (3, ModelAction.Reuse),
                (2, ModelAction.SetBlocking), (2, ModelAction.SetLinger), (1, ModelAction.Shutdown), (3, ModelAction.GetResult),
                (8, ModelAction.PeerWrite), (8, ModelAction.PeerRead), (2, ModelAction.PeerClose), (2, ModelAction.PeerReset),
                (2, ModelAction.Stale), (3, ModelAction.AlertableWait), (2, ModelAction.DrainPort), (1, ModelAction.Names),
                (1, ModelAction.EventSelect), (1, ModelAction.CancelBlocking)),
            Gen.Int[0, 255],
            Gen.Int[0, 255],
            (action, a, b) => new ModelCommand(action, a, b))
        .Array[1, maxLength];

    public override string ToString() => $"{Action}({A},{B})";
}
