using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Operations;
using WinsockSpi.Processes;

namespace WinsockSpi.Coyote;

/// <summary>
/// OVL-11 with OVL-7: one overlapped object is bound to one operation at a time across every provider of the process.
/// Two providers of one process start a receive with the same object at once while both peers write.
/// </summary>
public static class OverlappedOwnershipScenarios
{
    /// <summary>
    /// Issue 9, defect 2: each start either pends, completes at once (the object is then free again), or is refused with
    /// WSAEINVAL while the other provider holds the object; two pending starts at once, or a start that neither ends nor
    /// is refused, break the rule. Both providers' books stay consistent and the object ends completed.
    /// </summary>
    [Test]
    public static async Task Ovl11_TwoProvidersStartOneOverlappedAtOnce()
    {
        var network = new Network.SimulatedNetwork();
        var process = new SimulatedProcess(network);
        var a = new ScenarioHarness(network, process);
        var b = new ScenarioHarness(network, process);
        var sa = a.Connect(out var peerA);
        var sb = b.Connect(out var peerB);
        var ov = new WsaOverlapped(new WsaEvent());
        SpiResult<int> startA = default, startB = default;

        var receiverA = Task.Run(() => startA = a.Runtime.Receive(sa, new byte[1], ov));
        var receiverB = Task.Run(() => startB = b.Runtime.Receive(sb, new byte[1], ov));
        var writerA = Task.Run(() => peerA.Write("a"u8));
        var writerB = Task.Run(() => peerB.Write("b"u8));
        await Check.All([receiverA, receiverB, writerA, writerB]);

        Check.That(IsAllowed(startA) && IsAllowed(startB), $"OVL-11: unexpected starts {startA} and {startB}.");
        // Both may pend one after the other (A's receive completed by its peer, then B took the object): what must never
        // happen is two operations holding it at once, which shows as a lost or doubled notification or broken books.
        Check.That(
            a.Upcalls.NotificationsOf(ov) == Accepted(startA) && b.Upcalls.NotificationsOf(ov) == Accepted(startB),
            "OVL-11: an accepted operation was not notified exactly once (two held the object at once).");
        Check.That(startA.Error != WsaError.InvalidArgument || startB.Error != WsaError.InvalidArgument, "OVL-11: both starts were refused.");
        Check.That(ov.Status == OperationStatus.Completed && ov.BytesTransferred == 1, $"The accepted receive ended as {ov}.");
        a.Runtime.ValidateInvariants();
        b.Runtime.ValidateInvariants();

        // The books must also survive more traffic: a corrupted queue spins or throws here.
        peerA.Write("x"u8);
        peerB.Write("y"u8);
        Check.That(a.Runtime.Cleanup().IsSuccess && b.Runtime.Cleanup().IsSuccess, "A final cleanup failed.");
        a.Runtime.ValidateInvariants();
        b.Runtime.ValidateInvariants();
    }

    private static bool IsAllowed(SpiResult<int> start)
        => start.Error is WsaError.IOPending or WsaError.InvalidArgument || (start.IsSuccess && start.Value == 1);

    private static int Accepted(SpiResult<int> start) => start.Error == WsaError.InvalidArgument ? 0 : 1;
}
