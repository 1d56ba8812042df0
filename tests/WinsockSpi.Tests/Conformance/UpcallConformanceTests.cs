using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS section 2, STA-7: the provider uses the upcall table most recently given to WSPStartup.</summary>
public sealed class UpcallConformanceTests
{
    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_BeforeAnyTable_TheProcessTableIsUsed()
    {
        using var runtime = new ProviderRuntime();

        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));

        var table = Assert.IsType<ProcessUpcalls>(runtime.Upcalls);
        Assert.Same(runtime.Process, table.Process);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableGivenToStartup_QueuesCompletionRoutines()
    {
        using var f = new ProviderHarness(startups: 0);
        var table = RecordingUpcalls(f.Runtime.Process);
        f.Startup(table);
        var (s, peer) = f.Connect();
        int runs = 0;

        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[8], new WsaOverlapped(), (_, _, _, _) => runs++).Error);
        peer.Write("abc"u8);

        var apc = Assert.Single(table.ApcThreads());
        Assert.Equal(Environment.CurrentManagedThreadId, apc);
        Assert.Empty(table.Completions());
        Assert.Equal(1, f.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, runs);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableGivenToStartup_CompletesOverlappedRequestsWithTheOutcome()
    {
        using var f = new ProviderHarness(startups: 0);
        var table = RecordingUpcalls(f.Runtime.Process);
        f.Startup(table);
        var (s, peer) = f.Connect();
        var port = new CompletionPort();
        port.Associate(f.Runtime, s, 11).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[8], ov).Error);
        peer.Write("abcd"u8);

        var completion = Assert.Single(table.Completions());
        Assert.Equal(s, completion.Socket);
        Assert.Same(ov, completion.Overlapped);
        Assert.Equal(WsaError.Success, completion.Error);
        Assert.Equal(4, completion.BytesTransferred);
        Assert.Same(port, completion.Port);
        Assert.Equal((nuint)11, completion.CompletionKey);
        Assert.Empty(table.ApcThreads());
        Assert.True(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableGivenToStartup_IsAskedForTheBlockingHook()
    {
        using var f = new ProviderHarness(startups: 0);
        int hookCalls = 0;
        var table = RecordingUpcalls(f.Runtime.Process, () =>
        {
            Interlocked.Increment(ref hookCalls);
            return true;
        });
        f.Startup(table);
        var (s, peer) = f.Connect();

        var receiver = Start(() => f.Runtime.Receive(s, new byte[8]));
        SpinUntil(() => Volatile.Read(ref hookCalls) == 1, "the table's hook is called");
        peer.Write("x"u8);

        Assert.Equal(1, Join(receiver).Value);
        Assert.Equal(1, table.BlockingQueries());
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_LaterStartupWithANewTable_SwitchesToIt()
    {
        using var f = new ProviderHarness(startups: 0);
        var first = RecordingUpcalls(f.Runtime.Process);
        var second = RecordingUpcalls(f.Runtime.Process);
        f.Startup(first);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(new WsaEvent())).Error);
        peer.Write("a"u8);
        Assert.Single(first.Completions());

        f.Startup(second);
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(new WsaEvent())).Error);
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(), (_, _, _, _) => { }).Error);
        peer.Write("bc"u8);

        Assert.Same(second, f.Runtime.Upcalls);
        Assert.Single(first.Completions());
        Assert.Empty(first.ApcThreads());
        Assert.Single(second.Completions());
        Assert.Single(second.ApcThreads());
        Assert.Equal(2, f.Runtime.StartupCount);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_LaterStartupWithANewTable_UsesItsBlockingHook()
    {
        using var f = new ProviderHarness(startups: 0);
        int firstHook = 0, secondHook = 0;
        var first = RecordingUpcalls(f.Runtime.Process, () => Interlocked.Increment(ref firstHook) > 0);
        var second = RecordingUpcalls(f.Runtime.Process, () => Interlocked.Increment(ref secondHook) > 0);
        f.Startup(first);
        f.Startup(second);
        var (s, peer) = f.Connect();

        var receiver = Start(() => f.Runtime.Receive(s, new byte[8]));
        SpinUntil(() => Volatile.Read(ref secondHook) == 1, "the second table's hook is called");
        peer.Write("x"u8);

        Assert.Equal(1, Join(receiver).Value);
        Assert.Equal(0, Volatile.Read(ref firstHook));
        Assert.Equal(0, first.BlockingQueries());
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_StartupWithoutATable_KeepsTheCurrentOne()
    {
        using var f = new ProviderHarness(startups: 0);
        var table = RecordingUpcalls(f.Runtime.Process);
        f.Startup(table);

        Assert.Equal(WsaError.Success, f.Runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped(new WsaEvent())).Error);
        peer.Write("kept"u8);

        Assert.Same(table, f.Runtime.Upcalls);
        Assert.Single(table.Completions());
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    [Trait("Rule", "STA-4")]
    public void STA7_FailedStartup_DoesNotReplaceTheTable()
    {
        using var f = new ProviderHarness(startups: 0);
        var table = RecordingUpcalls(f.Runtime.Process);
        var rejected = RecordingUpcalls(f.Runtime.Process);
        f.Startup(table);

        var error = f.Runtime.Startup(new WinsockVersion(1, 1), out _, rejected);

        Assert.Equal(WsaError.VersionNotSupported, error);
        Assert.Same(table, f.Runtime.Upcalls);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped()).Error);
        peer.Write("x"u8);
        Assert.Single(table.Completions());
        Assert.Empty(rejected.Completions());
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_SubstituteTable_ReceivesEveryNotification()
    {
        using var f = new ProviderHarness(startups: 0);
        var table = Substitute.For<IUpcalls>();
        f.Startup(table);
        var (s, peer) = f.Connect();
        var ov = new WsaOverlapped(new WsaEvent());
        int me = Environment.CurrentManagedThreadId;

        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], ov).Error);
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped(), (_, _, _, _) => { }).Error);
        peer.Write("12345678"u8);

        table.Received(1).CompleteOverlappedRequest(Arg.Is<OverlappedCompletion>(c => c.Overlapped == ov && c.BytesTransferred == 4 && c.Error == WsaError.Success));
        table.Received(1).QueueApc(WsaThreadId.Current, Arg.Any<ApcRoutine>(), Arg.Any<object?>());
        // The substitute did not set the event: the provider relies on the table for every notification.
        Assert.False(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableFromAnotherStartupAfterFinalCleanup_IsUsed()
    {
        using var f = new ProviderHarness(startups: 0);
        var first = RecordingUpcalls(f.Runtime.Process);
        var second = RecordingUpcalls(f.Runtime.Process);
        f.Startup(first);
        f.Runtime.Cleanup().ThrowIfFailed();

        f.Startup(second);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped()).Error);
        peer.Write("x"u8);

        Assert.Empty(first.Completions());
        Assert.Single(second.Completions());
    }

    private static IUpcalls RecordingUpcalls(SimulatedProcess process, BlockingCallback? hook = null)
        => UpcallSpy.Forwarding(new ProcessUpcalls(process) { BlockingHook = hook });
}
