using CsCheck;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The linearizability suite: CsCheck runs a few operations sequentially, then several at once from different threads,
/// and requires that the results and the final state equal those of at least one sequential order of the same
/// operations (<c>Check.SampleParallel</c>). Failures are shrunk to the shortest operation lists.
/// </summary>
public sealed class LinearizabilityTests
{
    private static int Seconds => SuiteLog.Long ? 300 : 4;

    [Fact]
    [Trait("Suite", "Linearizability")]
    public Task StartupCleanupSocket_FromSeveralThreads_AreLinearizable() => Sample(
        "linearizability/startup-cleanup",
        () => new LinearState(sockets: 1, pendingReceives: 0, pendingSend: false),
        Gen.Const(0).Operation<LinearState>(_ => "Startup", (s, x) => s.Call("Startup", () => s.Provider.Startup(WinsockVersion.V2_2, out var data, s.Rig.Upcalls).ToSymbol())),
        Gen.Const(0).Operation<LinearState>(_ => "Cleanup", (s, _) => s.Call("Cleanup", () => s.Provider.Cleanup().Error.ToSymbol())),
        Gen.Const(0).Operation<LinearState>(_ => "Socket", (s, _) => s.Call("Socket", s.NewSocket)),
        Gen.Const(0).Operation<LinearState>(_ => "CancelBlockingCall", (s, _) => s.Call("Cancel", () => s.Provider.CancelBlockingCall().Error.ToSymbol())));

    [Fact]
    [Trait("Suite", "Linearizability")]
    public Task SocketCloseDuplicate_FromSeveralThreads_AreLinearizable() => Sample(
        "linearizability/socket-close-duplicate",
        () => new LinearState(sockets: 2, pendingReceives: 0, pendingSend: false),
        Gen.Int[0, 1].Operation<LinearState>(i => $"Close({i})", (s, i) => s.Call($"Close{i}", () => s.Provider.CloseSocket(s.Handles[i]).Error.ToSymbol())),
        Gen.Int[0, 1].Operation<LinearState>(i => $"Duplicate({i})", (s, i) => s.Call($"Dup{i}", () => s.Provider.DuplicateSocket(s.Handles[i]).Error.ToSymbol())),
        Gen.Int[0, 1].Operation<LinearState>(i => $"GetPeerName({i})", (s, i) => s.Call($"Peer{i}", () => s.Provider.GetPeerName(s.Handles[i]).Error.ToSymbol())),
        Gen.Const(0).Operation<LinearState>(_ => "Socket", (s, _) => s.Call("Socket", s.NewSocket)),
        Gen.Const(0).Operation<LinearState>(_ => "Cleanup", (s, _) => s.Call("Cleanup", () => s.Provider.Cleanup().Error.ToSymbol())));

    [Fact]
    [Trait("Suite", "Linearizability")]
    public Task SendReceiveComplete_FromSeveralThreads_AreLinearizable() => Sample(
        "linearizability/send-receive-complete",
        () => new LinearState(sockets: 1, pendingReceives: 0, pendingSend: false),
        SendReceiveOperations);

    /// <summary>
    /// The history this suite found when the socket read its connection's pipe without the gate: a receive pending, then
    /// a peer write of 9 and one of 7 on one thread beside a receive of 3 on another. The second write saw the room as
    /// before the receive (6 bytes) while the receive saw the bytes as before that write (2), which no order explains.
    /// The seed's case runs first (CsCheck replays a failing one up to 100 times); it failed in every run before the fix.
    /// </summary>
    [Fact]
    [Trait("Suite", "Linearizability")]
    public Task SendReceiveComplete_AReadBesideAWriteThePipesRoomLimits_IsLinearizable() => Sample(
        "linearizability/send-receive-complete (seed eTrls6124eJ8)",
        () => new LinearState(sockets: 1, pendingReceives: 0, pendingSend: false),
        SendReceiveOperations,
        seed: "eTrls6124eJ8");

    [Fact]
    [Trait("Suite", "Linearizability")]
    public Task CloseCompletionCleanupProcessEnd_FromSeveralThreads_AreLinearizable() => Sample(
        "linearizability/close-completion-cleanup-process-end",
        () => new LinearState(sockets: 1, pendingReceives: 2, pendingSend: true),
        Gen.Const(0).Operation<LinearState>(_ => "CloseSocket", (s, _) => s.Call("Close", () => s.Provider.CloseSocket(s.Handles[0]).Error.ToSymbol())),
        Gen.Int[1, 3].Operation<LinearState>(n => $"PeerWrite({n})", (s, n) => s.Call($"PeerWrite{n}", () => s.PeerWrite(0, n).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.Int[1, 8].Operation<LinearState>(n => $"PeerRead({n})", (s, n) => s.Call($"PeerRead{n}", () => s.PeerRead(0, n))),
        Gen.Const(0).Operation<LinearState>(_ => "Cleanup", (s, _) => s.Call("Cleanup", () => s.Provider.Cleanup().Error.ToSymbol())),
        Gen.Const(0).Operation<LinearState>(_ => "PeerReset", (s, _) => s.Call("PeerReset", () => s.PeerReset(0))),
        Gen.Const(0).Operation<LinearState>(_ => "ProcessEnd", (s, _) => s.Call("ProcessEnd", () => { s.Rig.Process.Terminate(); return "ok"; })));

    private static readonly GenOperation<LinearState>[] SendReceiveOperations =
    [
        Gen.Int[1, 6].Operation<LinearState>(n => $"Receive({n})", (s, n) => s.Call($"Recv{n}", () => Outcome(s.Receive(0, n)))),
        Gen.Int[1, 12].Operation<LinearState>(n => $"Send({n})", (s, n) => s.Call($"Send{n}", () => Outcome(s.Send(0, n)))),
        Gen.Int[1, 10].Operation<LinearState>(n => $"PeerWrite({n})", (s, n) => s.Call($"PeerWrite{n}", () => s.PeerWrite(0, n).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.Int[1, 10].Operation<LinearState>(n => $"PeerRead({n})", (s, n) => s.Call($"PeerRead{n}", () => s.PeerRead(0, n))),
        Gen.Const(0).Operation<LinearState>(_ => "PeerClose", (s, _) => s.Call("PeerClose", () => { s.Peers[0].Close(); return "ok"; })),
    ];

    private static string Outcome(SpiResult<int> result) => result.IsSuccess ? $"ok{result.Value}" : result.Error.ToSymbol();

    private static Task Sample(string name, Func<LinearState> initial, params GenOperation<LinearState>[] operations)
        => Sample(name, initial, operations, seed: null);

    private static async Task Sample(string name, Func<LinearState> initial, GenOperation<LinearState>[] operations, string? seed)
    {
        try
        {
            await SuiteLog.Bounded(
                () =>
                {
                    Check.SampleParallel(
                        Gen.Const(initial),
                        operations,
                        equal: (a, b) => a.Snapshot() == b.Snapshot(),
                        seed: seed,
                        maxSequentialOperations: 2,
                        maxParallelOperations: 4,
                        iter: long.MaxValue,
                        time: Seconds,
                        writeLine: line => SuiteLog.Write($"{name}: {line}"));
                    return 0;
                },
                seconds: Seconds + 40);
            SuiteLog.Write($"{name}: rounds of up to 2 sequential and 4 parallel operations for {Seconds} s, each compared with every sequential order");
        }
        finally
        {
            LinearState.DisposeAll();
        }
    }
}
