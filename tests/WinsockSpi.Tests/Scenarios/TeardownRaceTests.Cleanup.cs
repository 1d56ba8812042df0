using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Scenarios;

public partial class TeardownRaceTests
{
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
