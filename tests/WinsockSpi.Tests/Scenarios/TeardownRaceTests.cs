using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Scenarios;

/// <summary>
/// Bounded races between teardown (final cleanup, close, process death) and the peer completing operations on
/// another thread. Whoever wins, every operation ends in exactly one terminal state and is notified at most once:
/// completed ones exactly once, ones aborted by the final cleanup never, ones aborted by a close exactly once
/// (OVL-5 with CLN-4, CLS-2, PRC-2). The provider's bookkeeping stays consistent throughout.
/// </summary>
public partial class TeardownRaceTests
{
    private const int Rounds = 150;
    private const int SocketsPerRound = 6;

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void Race_FinalCleanupVersusPeerWrites_EachReceiveEndsOnce_NotifiedOnlyIfCompleted()
    {
        var tally = new TeardownTally();
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var peers = new RemotePeer[SocketsPerRound];
            var operations = new WsaOverlapped[SocketsPerRound];
            for (int i = 0; i < SocketsPerRound; i++)
            {
                var s = h.Connect(out peers[i]);
                operations[i] = new WsaOverlapped(new WsaEvent());
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], operations[i]).Error);
            }

            TeardownRace.Run(
                peers.Length,
                i => peers[i].Write("x"u8),
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            foreach (var ov in operations)
            {
                tally.Add(ov.Status);
                AssertEndedOnce(h, ov, notifiedIfCompleted: 1, notifiedIfAborted: 0);
                if (ov.Status == OperationStatus.Completed)
                {
                    Assert.Equal(1, ov.BytesTransferred);
                }
            }

            h.AssertUnloadReady();
        }

        tally.AssertOnly(OperationStatus.Completed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void Race_FinalCleanupVersusPeerWrites_CompletionRoutinesRunOnlyForCompletedReceives()
    {
        var tally = new TeardownTally();
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var peers = new RemotePeer[SocketsPerRound];
            var operations = new WsaOverlapped[SocketsPerRound];
            var probes = new RoutineProbe[SocketsPerRound];
            for (int i = 0; i < SocketsPerRound; i++)
            {
                var s = h.Connect(out peers[i]);
                operations[i] = new WsaOverlapped();
                probes[i] = new RoutineProbe();
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], operations[i], probes[i].Routine).Error);
            }

            TeardownRace.Run(
                peers.Length,
                i => peers[i].Write("y"u8),
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            // Every routine already queued runs here, on the initiating thread.
            h.Process.AlertableWait(TimeSpan.Zero);
            Assert.Equal(0, h.Process.GetQueuedApcCount(WsaThreadId.Current));
            for (int i = 0; i < SocketsPerRound; i++)
            {
                var ov = operations[i];
                tally.Add(ov.Status);
                AssertEndedOnce(h, ov, notifiedIfCompleted: 1, notifiedIfAborted: 0);
                Assert.Equal(ov.Status == OperationStatus.Completed ? 1 : 0, probes[i].Calls);
            }

            h.AssertUnloadReady();
        }

        tally.AssertOnly(OperationStatus.Completed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void Race_FinalCleanupVersusPeerReads_PendingSendsEndOnce_PortPacketsOnlyForCompletedOnes()
    {
        var tally = new TeardownTally();
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness(sendBufferSize: 8);
            var port = new CompletionPort();
            var peers = new RemotePeer[SocketsPerRound];
            var operations = new WsaOverlapped[SocketsPerRound];
            for (int i = 0; i < SocketsPerRound; i++)
            {
                var s = h.Connect(out peers[i]);
                Assert.True(port.Associate(h.Runtime, s, (nuint)i).IsSuccess);
                operations[i] = new WsaOverlapped(new WsaEvent());
                Assert.Equal(WsaError.IOPending, h.Runtime.Send(s, TestData.Pattern(16, i), operations[i]).Error);
            }

            TeardownRace.Run(
                peers.Length,
                i => peers[i].Read(new byte[16]),
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            int completed = 0;
            foreach (var ov in operations)
            {
                tally.Add(ov.Status);
                AssertEndedOnce(h, ov, notifiedIfCompleted: 1, notifiedIfAborted: 0);
                if (ov.Status == OperationStatus.Completed)
                {
                    completed++;
                    Assert.Equal(16, ov.BytesTransferred);
                }
            }

            Assert.Equal(completed, port.PostedCount);
            while (port.TryDequeue(out var packet))
            {
                Assert.Equal(WsaError.Success, packet.Status);
                Assert.Equal(16, packet.BytesTransferred);
                Assert.Equal(OperationStatus.Completed, packet.Overlapped.Status);
            }

            h.AssertUnloadReady();
        }

        tally.AssertOnly(OperationStatus.Completed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    public void Race_CloseVersusPeerWrites_EveryReceiveIsNotifiedExactlyOnce()
    {
        var tally = new TeardownTally();
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var sockets = new SocketHandle[SocketsPerRound];
            var peers = new RemotePeer[SocketsPerRound];
            var operations = new WsaOverlapped[SocketsPerRound];
            for (int i = 0; i < SocketsPerRound; i++)
            {
                sockets[i] = h.Connect(out peers[i]);
                operations[i] = new WsaOverlapped(new WsaEvent());
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(sockets[i], new byte[4], operations[i]).Error);
            }

            TeardownRace.Run(
                peers.Length,
                i => peers[i].Write("z"u8),
                () =>
                {
                    for (int i = SocketsPerRound - 1; i >= 0; i--)
                    {
                        Assert.True(h.Runtime.CloseSocket(sockets[i]).IsSuccess);
                    }
                });

            foreach (var ov in operations)
            {
                tally.Add(ov.Status);
                AssertEndedOnce(h, ov, notifiedIfCompleted: 1, notifiedIfAborted: 1);
            }

            Assert.Equal(0, h.Runtime.Sockets.Count);
            Assert.Equal(0, h.Runtime.Operations.PendingCount);
            h.Runtime.ValidateInvariants();
        }

        tally.AssertOnly(OperationStatus.Completed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLS-2")]
    [Trait("Rule", "CLN-4")]
    public void Race_FinalCleanupVersusClose_NotifiedExactlyWhenTheCloseWon()
    {
        var closes = new Dictionary<WsaError, int>();
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var sockets = new SocketHandle[SocketsPerRound];
            var operations = new WsaOverlapped[SocketsPerRound];
            var results = new WsaError[SocketsPerRound];
            for (int i = 0; i < SocketsPerRound; i++)
            {
                sockets[i] = h.Connect(out _);
                operations[i] = new WsaOverlapped(new WsaEvent());
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(sockets[i], new byte[4], operations[i]).Error);
            }

            TeardownRace.Run(
                SocketsPerRound,
                i => results[i] = h.Runtime.CloseSocket(sockets[i]).Error,
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            for (int i = 0; i < SocketsPerRound; i++)
            {
                var ov = operations[i];
                Assert.True(results[i] is WsaError.Success or WsaError.NotInitialized, $"Unexpected {results[i]}.");
                closes[results[i]] = closes.GetValueOrDefault(results[i]) + 1;
                Assert.Equal(WsaError.OperationAborted, ov.Error);
                int expected = results[i] == WsaError.Success ? 1 : 0;
                Assert.Equal(expected, h.NotificationsOf(ov));
                Assert.Equal(expected, ov.Event!.SetCount);
            }

            h.AssertUnloadReady();
        }

        TestContext.Current.TestOutputHelper?.WriteLine("Closes: " + string.Join(", ", closes.Select(kv => $"{kv.Key} {kv.Value}")));
    }
}

/// <summary>Runs two sides of a race: one on a dedicated thread, one on the calling thread.</summary>
internal static class TeardownRace
{
    private static int s_round;

    /// <summary>
    /// The other thread works through <paramref name="items"/> steps; after a number of them that varies from round to
    /// round (0 up to all) the two threads meet, then the calling thread runs its side while the other goes on with
    /// its steps after a varying head start. Over many rounds the two sides overlap at every point of the other's work.
    /// Nothing sleeps: the head start is a short busy spin.
    /// </summary>
    public static void Run(int items, Action<int> otherStep, Action thisThread)
    {
        int round = Interlocked.Increment(ref s_round);
        int meetAt = round % (items + 1);
        int headStart = round / (items + 1) % 8 * 250;
        using var barrier = new Barrier(2);
        var other = TestThreads.Start(() =>
        {
            for (int i = 0; i <= items; i++)
            {
                if (i == meetAt)
                {
                    TestThreads.Meet(barrier);
                    Thread.SpinWait(headStart);
                }

                if (i < items)
                {
                    otherStep(i);
                }
            }

            return true;
        });
        TestThreads.Meet(barrier);
        thisThread();
        Assert.True(TestThreads.Join(other));
    }

    /// <summary>Releases both sides at once.</summary>
    public static void Run(Action otherThread, Action thisThread)
    {
        using var barrier = new Barrier(2);
        var other = TestThreads.Start(() =>
        {
            TestThreads.Meet(barrier);
            otherThread();
            return true;
        });
        TestThreads.Meet(barrier);
        thisThread();
        Assert.True(TestThreads.Join(other));
    }
}
