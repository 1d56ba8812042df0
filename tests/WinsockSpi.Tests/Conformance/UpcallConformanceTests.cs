using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using static WinsockSpi.Tests.TestKit.DataPathHarness;

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
        using var f = new Fixture();
        var table = new RecordingUpcalls(f.Runtime.Process);
        f.Start(table);
        var (s, peer) = f.Connect();
        int runs = 0;

        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[8], new WsaOverlapped(), (_, _, _, _) => runs++).Error);
        peer.Write("abc"u8);

        var apc = Assert.Single(table.Apcs);
        Assert.Equal(Environment.CurrentManagedThreadId, apc);
        Assert.Empty(table.Completions);
        Assert.Equal(1, f.Runtime.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, runs);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableGivenToStartup_CompletesOverlappedRequestsWithTheOutcome()
    {
        using var f = new Fixture();
        var table = new RecordingUpcalls(f.Runtime.Process);
        f.Start(table);
        var (s, peer) = f.Connect();
        var port = new CompletionPort();
        port.Associate(f.Runtime, s, 11).ThrowIfFailed();
        var ov = new WsaOverlapped(new WsaEvent());

        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[8], ov).Error);
        peer.Write("abcd"u8);

        var completion = Assert.Single(table.Completions);
        Assert.Equal(s, completion.Socket);
        Assert.Same(ov, completion.Overlapped);
        Assert.Equal(WsaError.Success, completion.Error);
        Assert.Equal(4, completion.BytesTransferred);
        Assert.Same(port, completion.Port);
        Assert.Equal((nuint)11, completion.CompletionKey);
        Assert.Empty(table.Apcs);
        Assert.True(ov.Event!.IsSet);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_TableGivenToStartup_IsAskedForTheBlockingHook()
    {
        using var f = new Fixture();
        var table = new RecordingUpcalls(f.Runtime.Process);
        int hookCalls = 0;
        table.BlockingHook = () =>
        {
            Interlocked.Increment(ref hookCalls);
            return true;
        };
        f.Start(table);
        var (s, peer) = f.Connect();

        var receiver = OnOtherThread(() => f.Runtime.Receive(s, new byte[8]));
        SpinUntil(() => Volatile.Read(ref hookCalls) == 1, "the table's hook is called");
        peer.Write("x"u8);

        Assert.Equal(1, Join(receiver).Value);
        Assert.Equal(1, table.BlockingQueries);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_LaterStartupWithANewTable_SwitchesToIt()
    {
        using var f = new Fixture();
        var first = new RecordingUpcalls(f.Runtime.Process);
        var second = new RecordingUpcalls(f.Runtime.Process);
        f.Start(first);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(new WsaEvent())).Error);
        peer.Write("a"u8);
        Assert.Single(first.Completions);

        f.Start(second);
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(new WsaEvent())).Error);
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[1], new WsaOverlapped(), (_, _, _, _) => { }).Error);
        peer.Write("bc"u8);

        Assert.Same(second, f.Runtime.Upcalls);
        Assert.Single(first.Completions);
        Assert.Empty(first.Apcs);
        Assert.Single(second.Completions);
        Assert.Single(second.Apcs);
        Assert.Equal(2, f.Runtime.StartupCount);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_LaterStartupWithANewTable_UsesItsBlockingHook()
    {
        using var f = new Fixture();
        int firstHook = 0, secondHook = 0;
        var first = new RecordingUpcalls(f.Runtime.Process) { BlockingHook = () => Interlocked.Increment(ref firstHook) > 0 };
        var second = new RecordingUpcalls(f.Runtime.Process) { BlockingHook = () => Interlocked.Increment(ref secondHook) > 0 };
        f.Start(first);
        f.Start(second);
        var (s, peer) = f.Connect();

        var receiver = OnOtherThread(() => f.Runtime.Receive(s, new byte[8]));
        SpinUntil(() => Volatile.Read(ref secondHook) == 1, "the second table's hook is called");
        peer.Write("x"u8);

        Assert.Equal(1, Join(receiver).Value);
        Assert.Equal(0, Volatile.Read(ref firstHook));
        Assert.Equal(0, first.BlockingQueries);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_StartupWithoutATable_KeepsTheCurrentOne()
    {
        using var f = new Fixture();
        var table = new RecordingUpcalls(f.Runtime.Process);
        f.Start(table);

        Assert.Equal(WsaError.Success, f.Runtime.Startup(WinsockVersion.V2_2, out _));
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped(new WsaEvent())).Error);
        peer.Write("kept"u8);

        Assert.Same(table, f.Runtime.Upcalls);
        Assert.Single(table.Completions);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    [Trait("Rule", "STA-4")]
    public void STA7_FailedStartup_DoesNotReplaceTheTable()
    {
        using var f = new Fixture();
        var table = new RecordingUpcalls(f.Runtime.Process);
        var rejected = new RecordingUpcalls(f.Runtime.Process);
        f.Start(table);

        var error = f.Runtime.Startup(new WinsockVersion(1, 1), out _, rejected);

        Assert.Equal(WsaError.VersionNotSupported, error);
        Assert.Same(table, f.Runtime.Upcalls);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped()).Error);
        peer.Write("x"u8);
        Assert.Single(table.Completions);
        Assert.Empty(rejected.Completions);
    }

    [Fact]
    [Trait("Rule", "STA-7")]
    public void STA7_SubstituteTable_ReceivesEveryNotification()
    {
        using var f = new Fixture();
        var table = Substitute.For<IUpcalls>();
        f.Start(table);
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
        using var f = new Fixture();
        var first = new RecordingUpcalls(f.Runtime.Process);
        var second = new RecordingUpcalls(f.Runtime.Process);
        f.Start(first);
        f.Runtime.Cleanup().ThrowIfFailed();

        f.Start(second);
        var (s, peer) = f.Connect();
        Assert.Equal(WsaError.IOPending, f.Runtime.Receive(s, new byte[4], new WsaOverlapped()).Error);
        peer.Write("x"u8);

        Assert.Empty(first.Completions);
        Assert.Single(second.Completions);
    }

    /// <summary>A process upcall table that records what the provider asks of it, then does it.</summary>
    private sealed class RecordingUpcalls(SimulatedProcess process) : ProcessUpcalls(process)
    {
        private readonly Lock _lock = new();
        private readonly List<int> _apcs = [];
        private readonly List<OverlappedCompletion> _completions = [];
        private int _blockingQueries;

        public IReadOnlyList<int> Apcs
        {
            get
            {
                lock (_lock)
                {
                    return [.. _apcs];
                }
            }
        }

        public IReadOnlyList<OverlappedCompletion> Completions
        {
            get
            {
                lock (_lock)
                {
                    return [.. _completions];
                }
            }
        }

        public int BlockingQueries => Volatile.Read(ref _blockingQueries);

        public override BlockingCallback? QueryBlockingCallback()
        {
            Interlocked.Increment(ref _blockingQueries);
            return base.QueryBlockingCallback();
        }

        public override WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
        {
            lock (_lock)
            {
                _apcs.Add(thread.ManagedThreadId);
            }

            return base.QueueApc(thread, routine, context);
        }

        public override WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
        {
            lock (_lock)
            {
                _completions.Add(completion);
            }

            return base.CompleteOverlappedRequest(completion);
        }
    }

    /// <summary>A provider that is not started yet, and a harness listener to connect to.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly PeerListener _listener;

        public Fixture()
        {
            var network = new SimulatedNetwork();
            Runtime = new ProviderRuntime(new ProviderOptions { Network = network });
            _listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        }

        public ProviderRuntime Runtime { get; }

        public void Start(IUpcalls table) => Assert.Equal(WsaError.Success, Runtime.Startup(WinsockVersion.V2_2, out _, table));

        public (SocketHandle Socket, RemotePeer Peer) Connect()
        {
            var s = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            Runtime.Connect(s, _listener.EndPoint).ThrowIfFailed();
            return (s, _listener.Accept());
        }

        public void Dispose()
        {
            Runtime.Dispose();
            _listener.Dispose();
        }
    }
}
