using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Tests.Layering;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// CLN-4, CLN-5, CLN-6 and CLN-10 through a layer whose lower provider stays started for another client: the layer's
/// final cleanup tears down what was created through it, and nothing of the other client (issue 9, defect 7; LSP-1).
/// </summary>
public class LayeringTeardownConformanceTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "LSP-1")]
    public void CLN4_LayerFinalCleanup_WithSharedLower_AbortsItsOperationsSilently()
    {
        using var f = new SharedLower();
        var (s1, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var (s2, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var (s3, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var port = new CompletionPort();
        port.Associate(f.Lower, s3, 7).ThrowIfFailed();
        var withEvent = new WsaOverlapped(new WsaEvent());
        var withRoutine = new WsaOverlapped(new WsaEvent());
        var onPort = new WsaOverlapped();
        int routineRan = 0;
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s1, new byte[4], withEvent).Error);
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s2, new byte[4], withRoutine, (_, _, _, _) => routineRan++).Error);
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s3, new byte[4], onPort).Error);

        var result = f.Layer.Cleanup();

        Assert.True(result.IsSuccess);
        Assert.All([withEvent, withRoutine, onPort], ov => Assert.Equal(WsaError.OperationAborted, ov.Error));
        Assert.All([withEvent, withRoutine, onPort], ov => Assert.False(ov.IsPending));
        Assert.False(withEvent.Event!.IsSet);
        Assert.False(withRoutine.Event!.IsSet);
        Assert.Equal(0, f.Process.GetQueuedApcCount(WsaThreadId.Current));
        Assert.Equal(0, f.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(0, routineRan);
        Assert.False(port.TryDequeue(out _));
        Assert.Equal((0, 0), (f.Client.Completions(), f.Client.Apcs()));
        Assert.Equal(1, f.Lower.Operations.PendingCount); // the other client's receive
        f.Lower.ValidateInvariants();
        f.AssertOtherClientUntouched();
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "OVL-7")]
    public void CLN4_LayerFinalCleanup_WithSharedLower_LeavesTheOverlappedObjectsFreeForReuse()
    {
        using var f = new SharedLower();
        var (s1, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var (s2, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var withEvent = new WsaOverlapped(new WsaEvent());
        var withRoutine = new WsaOverlapped();
        int routineRan = 0;
        CompletionRoutine routine = (_, _, _, _) => routineRan++;
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s1, new byte[4], withEvent).Error);
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s2, new byte[4], withRoutine, routine).Error);
        Assert.True(f.Layer.Cleanup().IsSuccess);

        Assert.Equal(WsaError.Success, f.Layer.Startup(WinsockVersion.V2_2, out _));
        var (t1, q1) = LayerTestKit.Connect(f.Layer, f.Network);
        var (t2, q2) = LayerTestKit.Connect(f.Layer, f.Network);
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(t1, new byte[4], withEvent).Error);
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(t2, new byte[4], withRoutine, routine).Error);
        q1.Write("ab"u8);
        q2.Write("cde"u8);

        // The new operations of the same objects are notified as usual: only the old period's were suppressed.
        Assert.True(withEvent.Event!.IsSet);
        Assert.Equal((WsaError.Success, 2), (withEvent.Error, withEvent.BytesTransferred));
        Assert.Equal(1, f.Process.AlertableWait(TimeSpan.Zero));
        Assert.Equal(1, routineRan);
        Assert.Equal((WsaError.Success, 3), (withRoutine.Error, withRoutine.BytesTransferred));
        Assert.Equal((1, 1), (f.Client.Completions(), f.Client.Apcs()));
    }

    [Fact]
    [Trait("Rule", "CLN-5")]
    public async Task CLN5_LayerFinalCleanup_WithSharedLower_EndsABlockingCallThroughItWithInterruptedBeforeReturning()
    {
        using var hooked = new ManualResetEventSlim();
        var saw = LayerTestKit.Interceptor();
        using var f = new SharedLower(saw, process => new ProcessUpcalls(process) { BlockingHook = () => { hooked.Set(); return true; } });
        var (s, peer) = LayerTestKit.Connect(f.Layer, f.Network);
        var receiver = Task.Factory.StartNew(() => f.Layer.Receive(s, new byte[4]).Error, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(hooked.Wait(s_bound, TestContext.Current.CancellationToken), "The receive blocks.");

        var result = await Task.Run(f.Layer.Cleanup, TestContext.Current.CancellationToken).WaitAsync(s_bound, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);

        // The blocked call had left the layer when the cleanup returned: its outcome had reached the interceptor.
        Assert.Equal(WsaError.Interrupted, saw.CallsOf(WspEntry.Receive).Single().Result.Error);
        Assert.Equal(WsaError.Interrupted, await receiver.WaitAsync(s_bound, TestContext.Current.CancellationToken));
        Assert.Equal(PeerState.Reset, peer.State);
        f.AssertOtherClientUntouched();
    }

    [Fact]
    [Trait("Rule", "CLN-6")]
    [Trait("Rule", "LSP-1")]
    public void CLN6_LayerFinalCleanup_WithSharedLower_ResetsEverySocketCreatedThroughIt()
    {
        using var f = new SharedLower();
        var (s, peer) = LayerTestKit.Connect(f.Layer, f.Network);
        var dup = f.Layer.DuplicateSocket(s).ThrowIfFailed();
        var listener = f.Layer.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        f.Layer.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        f.Layer.Listen(listener, 4).ThrowIfFailed();
        var appClient = f.Lower.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        f.Lower.Connect(appClient, f.Layer.GetSockName(listener).Value).ThrowIfFailed();
        var accepted = f.Layer.Accept(listener).ThrowIfFailed();

        Assert.True(f.Layer.Cleanup().IsSuccess);

        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, f.Lower.Receive(appClient, new byte[1]).Error);
        Assert.All([s, dup, listener, accepted], h => Assert.False(f.Lower.Sockets.Contains(h)));
        Assert.Equal(2, f.Lower.Sockets.Count); // the other client's two sockets
        f.Lower.ValidateInvariants();
        f.AssertOtherClientUntouched();
    }

    [Fact]
    [Trait("Rule", "CLN-10")]
    public void CLN10_LayerFinalCleanup_WithSharedLower_OldHandlesAreNotInitialisedThenNotSockets()
    {
        using var f = new SharedLower();
        var (s, _) = LayerTestKit.Connect(f.Layer, f.Network);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, f.Layer.Receive(s, new byte[4], ov).Error);
        Assert.True(f.Layer.Cleanup().IsSuccess);

        Assert.Equal(WsaError.NotInitialized, f.Layer.GetPeerName(s).Error);
        Assert.Equal(WsaError.NotInitialized, f.Layer.Receive(s, new byte[4]).Error);
        Assert.Equal(WsaError.Success, f.Layer.Startup(WinsockVersion.V2_2, out _));
        var (t, q) = LayerTestKit.Connect(f.Layer, f.Network);

        Assert.Equal(WsaError.NotSocket, f.Layer.GetPeerName(s).Error);
        Assert.Equal(WsaError.NotSocket, f.Lower.GetPeerName(s).Error);
        Assert.Equal(WsaError.NotSocket, f.Layer.CloseSocket(s).Error);
        Assert.True(f.Layer.GetPeerName(t).IsSuccess);

        // The old operation stays aborted and unnotified whatever happens after the new startup.
        q.Write("new"u8);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ov.Event!.IsSet);
        f.AssertOtherClientUntouched(lowerCount: 2);
    }

    [Fact]
    [Trait("Rule", "CLN-6")]
    [Trait("Rule", "LSP-1")]
    public async Task CLN6_SocketCreatedThroughALayerWhileItsFinalCleanupRuns_IsClosedAndTheCallFailsWithInterrupted()
    {
        var network = new SimulatedNetwork();
        using var lower = new ProviderRuntime(new ProviderOptions { Network = network });
        using var gate = new ManualResetEventSlim();
        using var created = new ManualResetEventSlim();
        using var lowerCleanedUp = new ManualResetEventSlim();
        SocketHandle handle = default;
        var middleSaw = LayerTestKit.Interceptor();
        middleSaw.When(x => x.OnCalled(Arg.Is<LayerCall>(c => c.Entry == WspEntry.Socket), Arg.Any<LayerCallResult>())).Do(call =>
        {
            // Hold the creation between the lower provider and the top layer: the socket exists, the top layer has not seen it.
            handle = call.ArgAt<LayerCallResult>(1).NewSocket;
            created.Set();
            gate.Wait(s_bound);
        });
        middleSaw.When(x => x.OnCalled(Arg.Is<LayerCall>(c => c.Entry == WspEntry.Cleanup), Arg.Any<LayerCallResult>())).Do(_ => lowerCleanedUp.Set());
        var middle = new LayeredProvider(lower, new LayeredProviderOptions { Interceptor = middleSaw });
        Assert.Equal(WsaError.Success, middle.Startup(WinsockVersion.V2_2, out _)); // the other client of the middle layer
        var top = new LayeredProvider(middle);
        Assert.Equal(WsaError.Success, top.Startup(WinsockVersion.V2_2, out _));
        var creating = Task.Factory.StartNew(() => top.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(created.Wait(s_bound, TestContext.Current.CancellationToken));

        var cleanup = Task.Run(top.Cleanup, TestContext.Current.CancellationToken);
        Assert.True(lowerCleanedUp.Wait(s_bound, TestContext.Current.CancellationToken), "The top layer's final cleanup reached the middle layer.");
        Assert.False(cleanup.IsCompleted, "The final cleanup waits for the socket creation in progress through it.");
        gate.Set();

        Assert.Equal(WsaError.Interrupted, (await creating.WaitAsync(s_bound, TestContext.Current.CancellationToken)).Error);
        Assert.True((await cleanup.WaitAsync(s_bound, TestContext.Current.CancellationToken)).IsSuccess);
        Assert.NotEqual(default, handle);
        Assert.False(lower.Sockets.Contains(handle));
        Assert.Equal(0, lower.Sockets.Count);
        Assert.Equal((0, 1, 1), (top.StartupCount, middle.StartupCount, lower.StartupCount));
    }

    [Fact]
    [Trait("Rule", "CLN-12")]
    [Trait("Rule", "CLN-5")]
    public async Task CLN12_LayerFinalCleanup_FromTheBlockingHookOfACallThroughIt_DoesNotWaitForThatCall()
    {
        SharedLower? f = null;
        SpiResult? fromHook = null;
        using var fixture = f = new SharedLower(null, process => new ProcessUpcalls(process)
        {
            BlockingHook = () =>
            {
                fromHook ??= f!.Layer.Cleanup();
                return true;
            },
        });
        var (s, peer) = LayerTestKit.Connect(f.Layer, f.Network);

        var error = await Task.Factory.StartNew(() => f.Layer.Receive(s, new byte[4]).Error, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .WaitAsync(s_bound, TestContext.Current.CancellationToken);

        Assert.True(fromHook!.Value.IsSuccess);
        Assert.Equal(WsaError.Interrupted, error);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(0, f.Layer.StartupCount);
        f.AssertOtherClientUntouched();
    }

    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "OVL-7")]
    public void CLN4_AfterALayersFinalCleanup_AnOverlappedObjectReusedDirectlyOnTheLowerProvider_IsNotifiedAsUsual()
    {
        var network = new SimulatedNetwork();
        using var lower = new ProviderRuntime(new ProviderOptions { Network = network });
        var layer = new LayeredProvider(lower);
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));
        var (s, _) = LayerTestKit.Connect(layer, network);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, layer.Receive(s, new byte[4], ov).Error);
        Assert.True(layer.Cleanup().IsSuccess); // the lower provider's own final cleanup aborts it, silently
        Assert.Equal(WsaError.OperationAborted, ov.Error);

        // A direct client of the lower provider, which still notifies through the layer's table (STA-7).
        Assert.Equal(WsaError.Success, lower.Startup(WinsockVersion.V2_2, out _));
        var (t, peer) = LayerTestKit.Connect(lower, network);
        Assert.Equal(WsaError.IOPending, lower.Receive(t, new byte[4], ov).Error);
        peer.Write("ok"u8);

        Assert.Same(layer.LowerUpcalls, lower.Upcalls);
        Assert.True(ov.Event!.IsSet);
        Assert.Equal((WsaError.Success, 2), (ov.Error, ov.BytesTransferred));
    }

    /// <summary>
    /// A base provider started by another client of the process, which keeps a connected socket with a pending receive,
    /// and a layer over it started by its own client.
    /// </summary>
    private sealed class SharedLower : IDisposable
    {
        private readonly SocketHandle _appSocket;
        private readonly RemotePeer _appPeer;
        private readonly WsaOverlapped _appReceive = new(new WsaEvent());

        public SharedLower(ILayerInterceptor? interceptor = null, Func<SimulatedProcess, IUpcalls>? client = null)
        {
            Process = new SimulatedProcess(Network);
            Lower = new ProviderRuntime(new ProviderOptions { Process = Process, TimeProvider = new FakeTimeProvider() });
            Assert.Equal(WsaError.Success, Lower.Startup(WinsockVersion.V2_2, out _));
            (_appSocket, _appPeer) = LayerTestKit.Connect(Lower, Network);
            Assert.Equal(WsaError.IOPending, Lower.Receive(_appSocket, new byte[4], _appReceive).Error);
            Layer = new LayeredProvider(Lower, new LayeredProviderOptions { Interceptor = interceptor });
            Client = client?.Invoke(Process) ?? LayerTestKit.Upcalls(Process);
            Assert.Equal(WsaError.Success, Layer.Startup(WinsockVersion.V2_2, out _, Client));
        }

        public SimulatedNetwork Network { get; } = new();

        public SimulatedProcess Process { get; }

        public ProviderRuntime Lower { get; }

        public LayeredProvider Layer { get; }

        /// <summary>Gets the upcall table the layer's client gave to its startup.</summary>
        public IUpcalls Client { get; }

        /// <summary>The other client still holds the lower provider, its socket and its pending receive, which completes as usual.</summary>
        /// <param name="lowerCount">The lower provider's count: the other client's startup, plus the layer's when it is started again.</param>
        public void AssertOtherClientUntouched(int lowerCount = 1)
        {
            Assert.Equal(lowerCount, Lower.StartupCount);
            Assert.True(Lower.Sockets.Contains(_appSocket));
            Assert.Equal(PeerState.Open, _appPeer.State);
            Assert.True(_appReceive.IsPending);
            _appPeer.Write("hi"u8);
            Assert.Equal((WsaError.Success, 2), (_appReceive.Error, _appReceive.BytesTransferred));
            Assert.True(_appReceive.Event!.IsSet);
        }

        public void Dispose()
        {
            Process.Terminate();
            Lower.Dispose();
        }
    }
}
