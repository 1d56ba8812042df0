using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Operations;

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
        var ((a, sa, peerA), (b, sb, peerB)) = ScenarioHarness.TwoInOneProcess();
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

    /// <summary>
    /// The binding (OVL-11): an object whose only notification is its status, on the process's own upcall table, is
    /// published under its provider's lock and stays bound to it, so its next start there reserves it with a plain store
    /// and a start on another provider first takes it over under the first provider's lock. Both providers start the
    /// object bound to A at once, A again after its first receive: no byte waits for either, so exactly one pends and the
    /// other is refused while the object is pending elsewhere, and the pending one completes with its peer's byte.
    /// </summary>
    [Test]
    public static async Task Ovl11_StatusOnlyObjectTakenOverWhileItsProviderReusesIt()
    {
        var ((a, sa, peerA), (b, sb, peerB)) = ScenarioHarness.TwoInOneProcess(onTheProcessTable: true);
        var ov = new WsaOverlapped();
        Check.That(a.Runtime.Receive(sa, new byte[1], ov).Error == WsaError.IOPending, "The first receive did not pend.");
        SpiResult<int> againA = default, startB = default;

        var reuser = Task.Run(() =>
        {
            peerA.Write("a"u8); // completes the first receive under A's lock: the object stays bound to A
            againA = a.Runtime.Receive(sa, new byte[1], ov);
        });
        var taker = Task.Run(() => startB = b.Runtime.Receive(sb, new byte[1], ov));
        await Check.All([reuser, taker]);

        // The object is pending on one provider at a time: A's first receive, then whichever start took it next. The
        // other start is refused (no byte waits for either, so neither completes at once).
        Check.That(
            againA.Error is WsaError.IOPending or WsaError.InvalidArgument && startB.Error is WsaError.IOPending or WsaError.InvalidArgument,
            $"OVL-11: unexpected starts {againA} and {startB}.");
        Check.That((againA.Error == WsaError.IOPending) != (startB.Error == WsaError.IOPending), $"OVL-11: starts {againA} and {startB} (exactly one pends).");
        if (againA.Error == WsaError.IOPending)
        {
            peerA.Write("b"u8);
        }
        else if (startB.Error == WsaError.IOPending)
        {
            peerB.Write("c"u8);
        }

        Check.That(ov.Status == OperationStatus.Completed && ov.BytesTransferred == 1, $"The last accepted receive ended as {ov}.");
        a.Runtime.ValidateInvariants();
        b.Runtime.ValidateInvariants();
        Check.That(b.Runtime.Receive(sb, new byte[1], ov).Error == WsaError.IOPending, "B could not take the object over afterwards.");
        Check.That(a.Runtime.Cleanup().IsSuccess && b.Runtime.Cleanup().IsSuccess, "A final cleanup failed.");
        Check.That(ov.Status == OperationStatus.Aborted, $"B's last receive ended as {ov}, not aborted by its final cleanup.");
        a.Runtime.ValidateInvariants();
        b.Runtime.ValidateInvariants();
    }

    /// <summary>
    /// The take-over holds no lock of the taker's own (<c>ProviderRuntime.Binding</c>): two providers, each starting the
    /// other's bound object at once, take both locks in opposite orders if it did. Coyote reports the deadlock. Each
    /// start is taken over and pends, and each completes with its peer's byte.
    /// </summary>
    [Test]
    public static async Task Ovl11_TwoProvidersTakeEachOthersObjectsAtOnce()
    {
        var ((a, sa, peerA), (b, sb, peerB)) = ScenarioHarness.TwoInOneProcess(onTheProcessTable: true);
        var ovA = new WsaOverlapped();
        var ovB = new WsaOverlapped();
        Check.That(a.Runtime.Receive(sa, new byte[1], ovA).Error == WsaError.IOPending, "A's receive did not pend.");
        Check.That(b.Runtime.Receive(sb, new byte[1], ovB).Error == WsaError.IOPending, "B's receive did not pend.");
        peerA.Write("a"u8);
        peerB.Write("b"u8); // both completed under their provider's lock, each object still bound to its provider
        SpiResult<int> aTakesB = default, bTakesA = default;

        var onA = Task.Run(() => aTakesB = a.Runtime.Receive(sa, new byte[1], ovB));
        var onB = Task.Run(() => bTakesA = b.Runtime.Receive(sb, new byte[1], ovA));
        await Check.All([onA, onB]);

        Check.That(aTakesB.Error == WsaError.IOPending && bTakesA.Error == WsaError.IOPending, $"OVL-11: the take-overs gave {aTakesB} and {bTakesA}.");
        peerA.Write("c"u8);
        peerB.Write("d"u8);
        Check.That(ovB.Status == OperationStatus.Completed && ovA.Status == OperationStatus.Completed, $"The receives ended as {ovB} and {ovA}.");
        a.Runtime.ValidateInvariants();
        b.Runtime.ValidateInvariants();
        Check.That(a.Runtime.Cleanup().IsSuccess && b.Runtime.Cleanup().IsSuccess, "A final cleanup failed.");
    }

    private static bool IsAllowed(SpiResult<int> start)
        => start.Error is WsaError.IOPending or WsaError.InvalidArgument || (start.IsSuccess && start.Value == 1);

    private static int Accepted(SpiResult<int> start) => start.Error == WsaError.InvalidArgument ? 0 : 1;
}
