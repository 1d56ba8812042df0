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
public class TeardownRaceTests
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

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "CLN-6")]
    public void Race_FinalCleanupVersusPeerResets_ResetFailuresAreNotifiedOnce_AbortsNever()
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
                i => peers[i].Reset(),
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            foreach (var ov in operations)
            {
                tally.Add(ov.Status);
                Assert.True(ov.Status is OperationStatus.Failed or OperationStatus.Aborted, $"Unexpected {ov}.");
                Assert.Equal(ov.Status == OperationStatus.Failed ? WsaError.ConnectionReset : WsaError.OperationAborted, ov.Error);
                Assert.Equal(ov.Status == OperationStatus.Failed ? 1 : 0, h.NotificationsOf(ov));
                Assert.Equal(ov.Status == OperationStatus.Failed ? 1 : 0, ov.Event!.SetCount);
            }

            Assert.All(peers, peer => Assert.Equal(PeerState.Reset, peer.State));
            h.AssertUnloadReady();
        }

        tally.AssertOnly(OperationStatus.Failed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    public void Race_FinalCleanupVersusPeerWrites_BlockedReceivesReturnDataOrWsaeintr()
    {
        const int rounds = 40;
        const int threads = 3;
        var outcomes = new Dictionary<WsaError, int>();
        for (int round = 0; round < rounds; round++)
        {
            using var h = new ProviderHarness();
            var peers = new RemotePeer[threads];
            var receivers = new Task<SpiResult<int>>[threads];
            for (int i = 0; i < threads; i++)
            {
                var s = h.Connect(out peers[i]);
                receivers[i] = TestThreads.StartBlocked(h.Runtime, () => h.Runtime.Receive(s, new byte[4]));
            }

            TeardownRace.Run(
                peers.Length,
                i => peers[i].Write("w"u8),
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            foreach (var receiver in receivers)
            {
                var result = TestThreads.Join(receiver);
                Assert.True(result.IsSuccess ? result.Value == 1 : result.Error == WsaError.Interrupted, $"Unexpected {result}.");
                outcomes[result.Error] = outcomes.GetValueOrDefault(result.Error) + 1;
            }

            Assert.Equal(0, h.NotificationCount);
            h.AssertUnloadReady();
        }

        Assert.Equal(rounds * threads, outcomes.Values.Sum());
        Assert.All(outcomes.Keys, error => Assert.Contains(error, new[] { WsaError.Success, WsaError.Interrupted }));
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void Race_ProcessTerminationVersusPeerWrites_EachReceiveEndsOnce_NotifiedOnlyIfCompleted()
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
                i => peers[i].Write("p"u8),
                h.Process.Terminate);

            foreach (var ov in operations)
            {
                tally.Add(ov.Status);
                AssertEndedOnce(h, ov, notifiedIfCompleted: 1, notifiedIfAborted: 0);
            }

            Assert.All(peers, peer => Assert.Equal(PeerState.Reset, peer.State));
            h.AssertUnloadReady();
        }

        tally.AssertOnly(OperationStatus.Completed, OperationStatus.Aborted);
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    public void Race_FinalCleanupVersusNewOperations_EachIsEitherAbortedSilentlyOrNeverStarted()
    {
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var s = h.Connect(out _);
            var started = new List<(WsaOverlapped Ov, WsaError Error)>();

            TeardownRace.Run(
                12,
                _ =>
                {
                    var ov = new WsaOverlapped(new WsaEvent());
                    started.Add((ov, h.Runtime.Receive(s, new byte[4], ov).Error));
                },
                () => Assert.True(h.Runtime.Cleanup().IsSuccess));

            Assert.Equal(12, started.Count);
            foreach (var (ov, error) in started)
            {
                Assert.True(error is WsaError.IOPending or WsaError.NotInitialized, $"Unexpected {error}.");
                if (error == WsaError.IOPending)
                {
                    Assert.Equal(OperationStatus.Aborted, ov.Status);
                }
                else
                {
                    Assert.Equal(OperationStatus.Idle, ov.Status);
                }

                Assert.Equal(0, h.NotificationsOf(ov));
                Assert.Equal(0, ov.Event!.SetCount);
            }

            h.AssertUnloadReady();
        }
    }

    [Fact]
    [Trait("Rule", "DUP-1")]
    [Trait("Rule", "CLS-2")]
    public void Race_ClosingBothHandlesOfADuplicatedSocketAtOnce_TearsDownExactlyOnce()
    {
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness();
            var s = h.Connect(out var peer);
            var dup = h.Runtime.DuplicateSocket(s).ThrowIfFailed();
            var ov = new WsaOverlapped(new WsaEvent());
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);
            SpiResult first = default, second = default;

            TeardownRace.Run(() => first = h.Runtime.CloseSocket(s), () => second = h.Runtime.CloseSocket(dup));

            Assert.True(first.IsSuccess);
            Assert.True(second.IsSuccess);
            Assert.Equal(OperationStatus.Aborted, ov.Status);
            Assert.Equal(1, h.NotificationsOf(ov));
            Assert.Equal(1, ov.Event!.SetCount);
            Assert.Equal(PeerState.FinReceived, peer.State);
            Assert.Equal(0, h.Runtime.Sockets.Count);
            h.Runtime.ValidateInvariants();
        }
    }

    [Theory]
    [Trait("Rule", "CLN-4")]
    [InlineData(2)]
    [InlineData(1)]
    public void Race_TwoThreadsCleaningUpAtOnce_TearDownOnceAndNeverBelowZero(int startups)
    {
        for (int round = 0; round < Rounds; round++)
        {
            using var h = new ProviderHarness(startups: startups);
            var s = h.Connect(out var peer);
            var ov = new WsaOverlapped(new WsaEvent());
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);
            WsaError first = default, second = default;

            TeardownRace.Run(() => first = h.Runtime.Cleanup().Error, () => second = h.Runtime.Cleanup().Error);

            var errors = new[] { first, second };
            Assert.Equal(startups, errors.Count(e => e == WsaError.Success));
            Assert.Equal(2 - startups, errors.Count(e => e == WsaError.NotInitialized));
            Assert.Equal(WsaError.OperationAborted, ov.Error);
            Assert.Equal(0, h.NotificationsOf(ov));
            Assert.Equal(PeerState.Reset, peer.State);
            h.AssertUnloadReady();
        }
    }

    /// <summary>Terminal, and notified as the rules say for its outcome, exactly that many times.</summary>
    private static void AssertEndedOnce(ProviderHarness h, WsaOverlapped ov, int notifiedIfCompleted, int notifiedIfAborted)
    {
        Assert.True(ov.Status is OperationStatus.Completed or OperationStatus.Aborted, $"Unexpected {ov}.");
        bool completed = ov.Status == OperationStatus.Completed;
        Assert.Equal(completed ? WsaError.Success : WsaError.OperationAborted, ov.Error);
        int expected = completed ? notifiedIfCompleted : notifiedIfAborted;
        Assert.Equal(expected, h.NotificationsOf(ov));
        if (ov.Event is { } ev)
        {
            Assert.True(ev.SetCount <= 1);
            Assert.Equal(expected, ev.SetCount);
        }
    }

    /// <summary>Counts outcomes over all rounds; the race's winner varies, but nothing else may appear.</summary>
    private sealed class TeardownTally
    {
        private readonly Dictionary<OperationStatus, int> _counts = [];

        public void Add(OperationStatus status) => _counts[status] = _counts.GetValueOrDefault(status) + 1;

        public void AssertOnly(params OperationStatus[] allowed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Outcomes: " + string.Join(", ", _counts.Select(kv => $"{kv.Key} {kv.Value}")));
            Assert.All(_counts.Keys, status => Assert.Contains(status, allowed));
        }
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
