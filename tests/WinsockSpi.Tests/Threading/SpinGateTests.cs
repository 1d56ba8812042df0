using WinsockSpi.Threading;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Threading;

/// <summary>
/// The test-and-set lock of the provider and of every connection and datagram endpoint (<see cref="SpinGate"/>):
/// mutual exclusion under contention, a waiter that enters only once the holder has left and then sees its writes,
/// waiters that park until a release wakes them (the provider's kind) or never do (a connection's), and the Debug check
/// that it is not re-entered. Every wait is bounded.
/// </summary>
public sealed class SpinGateTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Enter_FromFourThreadsAtOnce_NeverLetsTwoIn_AndLosesNoUpdate(bool parkWhenLong)
    {
        const int Threads = 4, Rounds = 20_000;
        var gate = new SpinGate(parkWhenLong);
        int inside = 0, overlaps = 0;
        long counter = 0; // updated without atomics: only the gate protects it
        using var go = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, Threads).Select(_ => Start(() =>
        {
            Assert.True(go.Wait(WaitLimit, TestContext.Current.CancellationToken));
            for (int i = 0; i < Rounds; i++)
            {
                using (gate.Enter())
                {
                    if (Interlocked.Exchange(ref inside, 1) != 0)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    counter++;
                    Volatile.Write(ref inside, 0);
                }
            }
        })).ToArray();

        go.Set();
        foreach (var worker in workers)
        {
            Join(worker, "a worker taking the gate 20,000 times");
        }

        Assert.Equal(0, overlaps);
        Assert.Equal((long)Threads * Rounds, counter);
    }

    [Fact]
    public void Enter_WhileAnotherThreadHolds_EntersOnlyAfterTheRelease_AndSeesWhatTheHolderWrote()
    {
        var gate = new SpinGate();
        int written = 0;
        int entered = 0;
        using var started = new ManualResetEventSlim();
        Task<int> waiter;
        using (gate.Enter())
        {
            waiter = Start(() =>
            {
                started.Set();
                using (gate.Enter())
                {
                    Volatile.Write(ref entered, 1);
                    return written; // a plain read: the gate's acquire must make the holder's write visible
                }
            });
            Assert.True(started.Wait(WaitLimit, TestContext.Current.CancellationToken));
            Assert.Equal(0, Volatile.Read(ref entered)); // however far the waiter got, it is not inside
            written = 42;
        }

        Assert.Equal(42, Join(waiter, "the waiter"));
        Assert.Equal(1, entered);
    }

    [Fact]
    public void Enter_WhileTheHolderStaysLong_ParksTheWaiter_AndTheReleaseLetsItIn()
    {
        var gate = new SpinGate(parkWhenLong: true);
        Task<int> waiter;
        using (gate.Enter())
        {
            waiter = Start(() =>
            {
                using (gate.Enter())
                {
                    return gate.Parked; // its own parking ended before it entered
                }
            });
            SpinUntil(() => gate.Parked == 1, "the waiter parks while the holder stays");
        }

        Assert.Equal(0, Join(waiter, "the parked waiter"));
        Assert.Equal(0, gate.Parked);
    }

    [Fact]
    public void IsHeldByCurrentThread_IsTrueInsideAndFalseAfterTheRelease()
    {
        var gate = new SpinGate();
        Assert.False(gate.IsHeldByCurrentThread);
        using (gate.Enter())
        {
            Assert.True(gate.IsHeldByCurrentThread);
        }

        Assert.False(gate.IsHeldByCurrentThread);
    }

#if DEBUG
    [Fact]
    public void IsHeldByCurrentThread_InADebugBuild_IsFalseOnAnotherThreadWhileOneHolds()
    {
        var gate = new SpinGate();
        using (gate.Enter())
        {
            Assert.False(Join(Start(() => gate.IsHeldByCurrentThread), "the other thread's question"));
        }
    }

    [Fact]
    public void Enter_AgainOnTheHoldingThread_FailsTheDebugAssertion_InsteadOfSpinningForever()
    {
        // A Release build has no owner to compare, and a second Enter would wait for itself: the Debug run of the suite
        // (.ci/run) is where a re-entry is caught.
        var gate = new SpinGate();
        using (gate.Enter())
        {
            var failure = Assert.ThrowsAny<Exception>(() => gate.Enter().Dispose());
            Assert.Contains("not reentrant", failure.Message, StringComparison.Ordinal);
        }

        Assert.False(gate.IsHeldByCurrentThread);
    }
#endif
}
