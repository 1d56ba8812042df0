using System.Collections.Concurrent;
using System.Net;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Regressions;

/// <summary>
/// Regression tests for the completion-path defects of the reliability review (issue 9, defects 1, 2, 4, 5, 6), each
/// reproduced deterministically: a held upcall, a held connection gate, a thread that has ended.
/// </summary>
public sealed class CompletionPathRegressionTests
{
    [Fact]
    [Trait("Rule", "OVL-5")]
    [Trait("Rule", "OVL-9")]
    public void OVL5_TenMegabytesBetweenTwoSimulatedSockets_CompleteInOrderInConstantStack()
    {
        // Defect 1: each end's notification signalled the other end, whose pump notified back, one stack level per
        // buffer-full; 10 MB through 1 KB buffers overflowed the stack. Run on a small stack to make any recursion fail.
        const int Chunk = 1024, Chunks = 10_000;
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    Transfer(Chunk, Chunks);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "The transfer did not finish in time.");
        Assert.Null(failure);

        static void Transfer(int chunk, int chunks)
        {
            using var h = new ProviderHarness(sendBufferSize: chunk);
            var listening = h.NewSocket();
            h.Runtime.Bind(listening, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
            h.Runtime.Listen(listening, 5).ThrowIfFailed();
            var a = h.NewSocket();
            h.Runtime.Connect(a, h.Runtime.GetSockName(listening).Value).ThrowIfFailed();
            var b = h.Runtime.Accept(listening).Value;

            var buffers = new byte[chunks][];
            var receives = new WsaOverlapped[chunks];
            for (int i = 0; i < chunks; i++)
            {
                buffers[i] = new byte[chunk];
                receives[i] = new WsaOverlapped();
                Assert.Equal(WsaError.IOPending, h.Runtime.Receive(b, buffers[i], receives[i]).Error);
            }

            var data = new byte[chunk * chunks];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(i * 7 + (i >> 10));
            }

            var send = new WsaOverlapped();
            var sent = h.Runtime.Send(a, data, send);

            Assert.True(sent.IsSuccess || sent.Error == WsaError.IOPending, sent.Error.ToSymbol());
            Assert.Equal(OperationStatus.Completed, send.Status);
            Assert.Equal(data.Length, send.BytesTransferred);
            for (int i = 0; i < chunks; i++)
            {
                Assert.Equal(OperationStatus.Completed, receives[i].Status);
                Assert.Equal(chunk, receives[i].BytesTransferred);
                Assert.True(buffers[i].AsSpan().SequenceEqual(data.AsSpan(i * chunk, chunk)), $"Receive {i} got other bytes.");
            }
        }
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    [Trait("Rule", "OVL-7")]
    public void OVL11_OneOverlappedStartedOnTwoProvidersWhileTheFirstWaitsForItsConnection_SecondGetsWsaeinval()
    {
        // Defect 2: provider A's receive passed its busy check, then waited for its connection's lock; provider B
        // accepted the same object meanwhile, and A later completed it while it was linked in B's queue. The object is
        // now reserved before the connection is touched: hold A's connection lock and let A start.
        var network = new SimulatedNetwork();
        using var a = new ProviderHarness(network: network);
        using var b = new ProviderHarness(network: network);
        var (sa, peerA) = a.Connect();
        var (sb, peerB) = b.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        var bufferA = new byte[4];

        Task<SpiResult<int>> first;
        using (peerA.End.Connection.Gate.Enter())
        {
            first = Start(() => a.Runtime.Receive(sa, bufferA, ov));
            SpinUntil(() => ov.IsPending, "provider A has reserved the object and waits for its connection");

            Assert.Equal(WsaError.InvalidArgument, b.Runtime.Receive(sb, new byte[4], ov).Error);
        }

        Assert.Equal(WsaError.IOPending, Join(first).Error);
        Assert.Equal(0, b.Runtime.Operations.PendingCount);
        b.Runtime.ValidateInvariants();
        Assert.Equal(1, peerB.Write("x"u8)); // B's pump finds nothing of A's: no spin, no corruption
        Assert.Equal(4, peerA.Write("abcd"u8));
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal("abcd"u8.ToArray(), bufferA);
        Assert.Equal(1, ov.Event!.SetCount);
    }

    [Fact]
    [Trait("Rule", "OVL-11")]
    [Trait("Rule", "OVL-4")]
    public void OVL11_EventChangedAndObjectReusedFromInsideTheCompletion_TheFinishedOperationSetsItsOwnEvent()
    {
        // Defect 4: the completion read ov.Event when it ran, after IsCompleted turned true, so a caller that reused the
        // object at once redirected the old notification to the new operation's event.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        using var ev1 = new WsaEvent();
        using var ev2 = new WsaEvent();
        var ov = new WsaOverlapped(ev1);
        SpiResult<int> second = default;
        HeldDelivery.StartWithCompletionHook(h, before: completion =>
        {
            if (completion.Event == ev1)
            {
                Assert.True(ov.IsCompleted);
                ov.Event = ev2;
                second = h.Runtime.Receive(s, new byte[4], ov);
            }
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);

        peer.Write("1234"u8);

        Assert.Equal(WsaError.IOPending, second.Error);
        Assert.True(ev1.IsSet);
        Assert.False(ev2.IsSet);
        Assert.True(ov.IsPending);
        peer.Write("5"u8);
        Assert.True(ev2.IsSet);
        Assert.Equal(1, ov.BytesTransferred);
        h.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    [Trait("Rule", "CLN-8")]
    public void CLN13_FinalCleanupWhileAPeerWriteIsInsideACompletionUpcall_ReturnsOnlyAfterEveryDecidedNotification()
    {
        // Defect 5: two receives completed by one peer write; while the writer was inside the first completion upcall,
        // the final cleanup returned with the second still reading pending, and it was notified after the return.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaOverlapped(new WsaEvent());
        var second = new WsaOverlapped(new WsaEvent());
        using var held = new HeldDelivery();
        var order = new ConcurrentQueue<string>();
        HeldDelivery.StartWithCompletionHook(
            h,
            before: completion =>
            {
                if (completion.Overlapped == first)
                {
                    held.Hold();
                }
            },
            after: completion => order.Enqueue(completion.Overlapped == first ? "first notified" : "second notified"));
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], second).Error);

        var writer = Start(() => peer.Write("12"u8));
        held.WaitUntilHeld();
        (OperationStatus Status, bool Set, bool UnloadReady) atReturn = default;
        var cleanup = HeldDelivery.StartWaitingFinalCleanup(h, order, "the final cleanup waits for the writer's deliveries", () => atReturn = (second.Status, second.Event!.IsSet, h.Runtime.IsUnloadReady));
        held.Release();

        Assert.Null(Join(cleanup)); // the final cleanup succeeded
        var (secondStatus, secondSet, unloadReady) = atReturn;
        Assert.Equal(2, Join(writer));
        Assert.Equal(OperationStatus.Completed, secondStatus);
        Assert.True(secondSet);
        Assert.True(unloadReady);
        Assert.Equal(["first notified", "second notified", "cleanup returned"], order.ToArray());
    }

    [Fact]
    [Trait("Rule", "CLN-13")]
    [Trait("Rule", "SEL-2")]
    public void CLN13_CloseWhileAPeerWriteIsInsideACompletionUpcallOfTheSocket_ReturnsAfterThatNotification()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var (other, otherPeer) = h.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        using var held = new HeldDelivery();
        var order = new ConcurrentQueue<string>();
        HeldDelivery.StartWithCompletionHook(h, before: _ =>
        {
            held.Hold();
            order.Enqueue("notified");
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], ov).Error);

        var writer = Start(() => peer.Write("1"u8));
        held.WaitUntilHeld();

        // Closing another socket does not wait for this one's notification; closing this one does.
        Assert.True(h.Runtime.CloseSocket(other).IsSuccess);
        var close = Start(() =>
        {
            var r = h.Runtime.CloseSocket(s);
            order.Enqueue("close returned");
            return r;
        });
        SpinUntil(() => h.Runtime.QuiescenceWaiters == 1, "the close waits for the socket's delivery");
        held.Release();

        Assert.True(Join(close).IsSuccess);
        Join(writer);
        Assert.Equal(["notified", "close returned"], order.ToArray());
        Assert.Equal(PeerState.FinReceived, otherPeer.State);
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    [Trait("Rule", "CLN-13")]
    public void CLN12_FinalCleanupFromInsideACompletionUpcall_DoesNotWaitForItself()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaOverlapped(new WsaEvent());
        var second = new WsaOverlapped(new WsaEvent());
        SpiResult cleanup = default;
        HeldDelivery.StartWithCompletionHook(h, before: completion =>
        {
            if (completion.Overlapped == first)
            {
                h.Runtime.Cleanup().ThrowIfFailed();
                cleanup = h.Runtime.Cleanup(); // final, from inside this thread's own delivery
            }
        });
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], first).Error);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[1], second).Error);

        var writer = Start(() => peer.Write("12"u8));

        Assert.Equal(2, Join(writer));
        Assert.True(cleanup.IsSuccess);
        Assert.True(second.Event!.IsSet); // decided before the cleanup: delivered, by this thread, after it
        Assert.True(h.Runtime.IsUnloadReady);
    }

    [Fact]
    [Trait("Rule", "OVL-10")]
    public void OVL10_RoutineOfAThreadThatEndedBeforeTheCompletion_NeverRunsAndTheObjectIsFree()
    {
        // Defect 6: the routine stayed queued under the ended thread's managed id, the object stayed busy for ever, and a
        // new thread that got the same id ran it.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        int runs = 0;
        Assert.Equal(WsaError.IOPending, OnAThreadThatEnds(() => h.Runtime.Receive(s, new byte[4], ov, (_, _, _, _) => Interlocked.Increment(ref runs))).Error);

        peer.Write("data"u8);

        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(4, ov.BytesTransferred);
        var other = Start(() => h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, Join(other));
        Assert.Equal(0, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error); // free again (OVL-7)
    }

    [Fact]
    [Trait("Rule", "OVL-10")]
    [Trait("Rule", "OVL-7")]
    public void OVL10_RoutineQueuedToAThreadThatThenEnds_FreesTheObject()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        int runs = 0;
        using var queued = new ManualResetEventSlim();
        using var end = new ManualResetEventSlim();
        var starter = new Thread(() =>
        {
            Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov, (_, _, _, _) => Interlocked.Increment(ref runs)).Error);
            queued.Set();
            Assert.True(end.Wait(WaitLimit, TestContext.Current.CancellationToken));
        });
        starter.Start();
        Assert.True(queued.Wait(WaitLimit, TestContext.Current.CancellationToken));
        peer.Write("data"u8);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Receive(s, new byte[4], ov).Error); // its routine has not run (OVL-7)
        end.Set();
        Assert.True(starter.Join(WaitLimit));

        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error); // the routine can never run now
        Assert.Equal(0, Volatile.Read(ref runs));
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    [Trait("Rule", "OVL-10")]
    public void OVL7_RoutineOfAnEndedThreadFailsToQueueAfterANewOperationQueuedItsOwn_TheObjectStaysBusyUntilTheNewOneRuns()
    {
        // A routine queued to a thread that has ended frees the object at once (OVL-10). A second operation took it
        // between the first's publication and its failed queueing, and queued its own routine; the failure cleared that
        // routine's flag, so a third operation could start while the second's routine was still queued.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        var ran = new List<(WsaError Error, int Bytes)>();
        CompletionRoutine routine = (error, bytes, _, _) => ran.Add((error, bytes));
        bool tookIt = false;
        Assert.Equal(WsaError.IOPending, OnAThreadThatEnds(() => h.Runtime.Receive(s, new byte[4], ov, routine)).Error);
        SpiResult<int> second = default;
        HeldDelivery.StartWithApcHook(h, before: thread =>
        {
            if (!thread.IsAlive && !tookIt)
            {
                tookIt = true;
                Assert.True(ov.IsCompleted); // published before its routine is queued, and free: its thread has ended
                second = h.Runtime.Receive(s, new byte[4], ov, routine); // completes at once; its routine goes to this thread
            }
        });

        peer.Write("12345678"u8);

        Assert.True(tookIt, "the first routine was never queued");
        Assert.Equal((WsaError.Success, 4), (second.Error, second.Value));
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Receive(s, new byte[4], ov).Error); // the second's routine has not run
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal([(WsaError.Success, 4)], ran);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error); // free once it ran
        h.Runtime.Cleanup().ThrowIfFailed();
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "OVL-4")]
    public void PRC2_RoutineTakenFromItsQueueAsTheProcessIsTerminated_DoesNotRun_NorRunsTheNextOperationsRoutine()
    {
        // The routine was taken from its thread's queue just before the termination began. From that moment the object
        // counted as free (OVL-10), and a provider not torn down yet let another operation take it; the routine then ran
        // that operation's routine, with its outcome still WSA_IO_PENDING.
        var network = new SimulatedNetwork();
        var process = new SimulatedProcess(network);
        using var taken = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var ran = new ConcurrentQueue<string>();
        var ov = new WsaOverlapped();
        ProviderRuntime? runtime = null;
        SocketHandle s = default;
        Task<int>? waiter = null;
        SpiResult<int> second = default;
        process.Register(new TeardownProbe(() => // registered before the provider, so released while the provider still works
        {
            second = runtime!.Receive(s, new byte[4], ov, (error, n, _, _) => ran.Enqueue($"second {error} {n}"));
            release.Set();
            Join(waiter!);
        }));
        runtime = new ProviderRuntime(new ProviderOptions { Process = process });
        var table = HeldDelivery.WithApcHook(process, (processTable, thread, routine, context) => processTable.QueueApc(
            thread,
            c =>
            {
                taken.Set(); // taken from the queue: hold it until the teardown has started the next operation
                Assert.True(release.Wait(WaitLimit, TestContext.Current.CancellationToken));
                routine(c);
            },
            context));
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _, table));
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        s = runtime.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();
        using var started = new ManualResetEventSlim();
        waiter = Start(() =>
        {
            Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[4], ov, (error, n, _, _) => ran.Enqueue($"first {error} {n}")).Error);
            started.Set();
            return runtime.Process.AlertableWait(WaitLimit);
        });
        Assert.True(started.Wait(WaitLimit, TestContext.Current.CancellationToken));
        peer.Write("1234"u8);
        Assert.True(taken.Wait(WaitLimit, TestContext.Current.CancellationToken));

        process.Terminate();

        Assert.Equal(WsaError.IOPending, second.Error); // the object was free: the termination had begun
        Assert.Empty(ran);
        listener.Dispose();
    }

    [Fact]
    [Trait("Rule", "OVL-7")]
    [Trait("Rule", "OVL-4")]
    public void OVL7_ReuseAfterCompletionButBeforeTheRoutineRan_IsRefusedUntilItRuns()
    {
        // One of the suite's blind spots: checking "pending" instead of "busy" at start went unnoticed.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var ov = new WsaOverlapped();
        var ran = new List<int>();
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov, (_, n, _, _) => ran.Add(n)).Error);
        peer.Write("abc"u8);
        Assert.True(ov.IsCompleted);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Receive(s, new byte[4], ov).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Send(s, new byte[4], ov).Error);
        Assert.Equal(1, h.Runtime.Process.AlertableWait(TimeSpan.Zero));

        Assert.Equal([3], ran);
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, new byte[4], ov).Error);
    }

    [Fact]
    [Trait("Rule", "OVL-5")]
    public void OVL5_ReceiveStartedWhileDataWaitsBehindAQueuedReceive_DoesNotOvertakeIt()
    {
        // One of the suite's blind spots: a receive that skipped the queue (dropping the "no receive already queued"
        // condition) went unnoticed. Put the bytes on the connection without signalling the socket yet. The new receive
        // lets the queue catch up first (QueueCatchUpTests): the queued receive takes the first bytes, then the new one
        // takes the rest at once; it never takes bytes ahead of the queued one. Since the catch-up, that condition
        // decides only when another thread writes between the catch-up and the receive (under the provider's lock, with
        // the connection's gate free), which this test cannot hold; the linearizability suite samples it.
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        var first = new WsaOverlapped();
        var second = new WsaOverlapped();
        var firstBuffer = new byte[3];
        var secondBuffer = new byte[3];
        Assert.Equal(WsaError.IOPending, h.Runtime.Receive(s, firstBuffer, first).Error);
        Assert.Equal(6, peer.End.Send("abcdef"u8));

        var result = h.Runtime.Receive(s, secondBuffer, second);
        Assert.True(result.IsSuccess, $"the second receive got {result.Error}");
        Assert.Equal(3, result.Value);
        Assert.Equal((OperationStatus.Completed, 3), (first.Status, first.BytesTransferred));
        Assert.Equal((OperationStatus.Completed, 3), (second.Status, second.BytesTransferred));
        peer.End.Other.Signal(); // the signal the test held back finds nothing left to do

        Assert.Equal("abc"u8.ToArray(), firstBuffer);
        Assert.Equal("def"u8.ToArray(), secondBuffer);
        Assert.Equal(1, h.NotificationsOf(first));
        Assert.Equal(1, h.NotificationsOf(second));
    }

    /// <summary>
    /// Runs <paramref name="call"/> on a thread of its own and returns once that thread has ended, so a completion routine
    /// the call queued to it can never run (OVL-10).
    /// </summary>
    private static T OnAThreadThatEnds<T>(Func<T> call)
    {
        T result = default!;
        Exception? thrown = null;
        var thread = new Thread(() => thrown = Record.Exception(() => result = call()));
        thread.Start();
        Assert.True(thread.Join(WaitLimit), "the starting thread did not end");
        Assert.Null(thrown);
        return result;
    }
}
