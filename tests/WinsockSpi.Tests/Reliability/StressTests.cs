using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The bounded stress suite: rounds in which every ending races every other (<see cref="RaceRound"/>), and a table of
/// many pending operations ended by data and by the final cleanup. <see cref="SuiteLog.LongSwitch"/> runs the long
/// versions (200,000 rounds, 10^6 pending operations).
/// </summary>
public sealed class StressTests
{
    private static int Rounds => SuiteLog.Long ? 200_000 : 3_000;

    /// <summary>The CI run stops early at this bound, on a loaded machine; the log prints the rounds it played.</summary>
    private static TimeSpan Budget => SuiteLog.Long ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(10);

    private static int PendingOperations => SuiteLog.Long ? 1_000_000 : 100_000;

    [Fact]
    [Trait("Suite", "Stress")]
    public async Task EveryEndingRacingEveryOther_EachOperationEndsOnce_WithTheAllowedNotifications()
    {
        var failures = await SuiteLog.Bounded(() =>
        {
            var found = new List<string>();
            int rounds = 0, operations = 0;
            var clock = Stopwatch.StartNew();
            for (int seed = 0; seed < Rounds && found.Count < 20 && clock.Elapsed < Budget; seed++)
            {
                using var round = new RaceRound(seed);
                bool finished = round.Race(TimeSpan.FromSeconds(10));
                rounds++;
                operations += RaceRound.Operations;
                found.AddRange(round.Failures.Select(f => $"round {seed}: {f}"));
                if (!finished)
                {
                    break; // a hung thread stays blocked; more rounds would pile up behind it
                }
            }

            SuiteLog.Write($"stress/race: {rounds:N0} rounds, {operations:N0} operations, {clock.Elapsed.TotalSeconds:F1} s, {found.Count} failures");
            return found;
        });

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20).Distinct()));
    }

    [Fact]
    [Trait("Suite", "Stress")]
    public async Task ManyPendingOperations_EndedByTheFinalCleanup_AllAbortedSilently()
    {
        await SuiteLog.Bounded(() =>
        {
            using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
            var upcalls = new CountingUpcalls(rig.Process);
            Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, upcalls));
            var s = rig.Connect(out var peer);
            int n = PendingOperations;
            var buffer = new byte[n];
            var ops = new WsaOverlapped[n];
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                ops[i] = new WsaOverlapped();
                Assert.Equal(WsaError.IOPending, rig.Runtime.Receive(s, buffer.AsMemory(i, 1), ops[i]).Error);
            }

            Assert.Equal(n, rig.Runtime.Operations.PendingCount);
            var posted = clock.Elapsed;
            Assert.True(rig.Runtime.Cleanup().IsSuccess);
            var cleaned = clock.Elapsed - posted;
            Assert.All(ops, op => Assert.Equal(OperationStatus.Aborted, op.Status));
            Assert.Equal(0, upcalls.Total);
            Assert.Equal(WsaError.ConnectionReset, peer.LastError);
            Assert.True(rig.Runtime.IsUnloadReady);
            rig.Runtime.ValidateInvariants();
            SuiteLog.Write($"stress/pending: {n:N0} pending receives posted in {posted.TotalMilliseconds:F0} ms, aborted silently by the final cleanup in {cleaned.TotalMilliseconds:F0} ms");
            return 0;
        });
    }

    [Fact]
    [Trait("Suite", "Stress")]
    public async Task ManyPendingOperations_CompletedByData_InPostingOrder_EachNotifiedOnce()
    {
        await SuiteLog.Bounded(() =>
        {
            using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
            var upcalls = new CountingUpcalls(rig.Process);
            Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, upcalls));
            var s = rig.Connect(out var peer);
            int n = PendingOperations;
            var buffer = new byte[n];
            var ops = new WsaOverlapped[n];
            for (int i = 0; i < n; i++)
            {
                ops[i] = new WsaOverlapped();
                Assert.Equal(WsaError.IOPending, rig.Runtime.Receive(s, buffer.AsMemory(i, 1), ops[i]).Error);
            }

            // The peer writes the stream 1 KB at a time; each byte lands in the next receive in posting order.
            var chunk = new byte[1024];
            for (long offset = 0; offset < n; offset += chunk.Length)
            {
                int length = (int)Math.Min(chunk.Length, n - offset);
                StreamPattern.Fill(chunk.AsSpan(0, length), offset, 9);
                Assert.Equal(length, peer.Write(chunk.AsSpan(0, length)));
            }

            Assert.All(ops, op => Assert.Equal(1, op.BytesTransferred));
            Assert.Equal(-1, StreamPattern.FirstMismatch(buffer, 0, 9));
            Assert.Equal(n, upcalls.Total);
            Assert.Equal(0, rig.Runtime.Operations.PendingCount);
            rig.Runtime.ValidateInvariants();
            SuiteLog.Write($"stress/pending: {n:N0} pending receives completed in posting order by {n:N0} bytes, each notified once");
            return 0;
        });
    }
}
