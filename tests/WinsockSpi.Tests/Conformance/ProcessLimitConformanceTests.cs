using System.Net;
using System.Net.Sockets;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// Many processes on one network: the client-process limit and network failure at startup (STA-6), cleanup while the
/// network is down (CLN-11), and connections between processes when one of them dies (PRC-2).
/// </summary>
public class ProcessLimitConformanceTests
{
    private static readonly Guid s_otherProvider = new("9d60a9e0-337a-11d0-bd88-0000c082e69a");

    // ---- STA-6: the client-process limit ----

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_OneProcessBeyondTheLimit_IsRefusedWithProcLimAndNothingChanges()
    {
        var network = new SimulatedNetwork();
        var (p1, p2, p3) = (Load(network, 2), Load(network, 2), Load(network, 2));

        Assert.Equal(WsaError.Success, p1.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, p2.Startup(WinsockVersion.V2_2, out _));
        var error = p3.Startup(WinsockVersion.V2_2, out var data);

        Assert.Equal(WsaError.ProcessLimit, error);
        Assert.Equal(10067, (int)error);
        Assert.Equal(default, data);
        Assert.Equal(0, p3.StartupCount);
        Assert.Equal(WsaError.NotInitialized, p3.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_AProcessAlreadyCounted_IsNeverRefusedAtTheLimit()
    {
        var network = new SimulatedNetwork();
        var (p1, p2) = (Load(network, 2), Load(network, 2));
        p1.Startup(WinsockVersion.V2_2, out _);
        p2.Startup(WinsockVersion.V2_2, out _);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(WsaError.Success, p1.Startup(WinsockVersion.V2_2, out _));
        }

        Assert.Equal(6, p1.StartupCount);
        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    [Trait("Rule", "PRC-2")]
    public void STA6_ATerminatedProcess_FreesItsPlaceAtOnce()
    {
        var network = new SimulatedNetwork();
        var (p1, p2, p3) = (Load(network, 2), Load(network, 2), Load(network, 2));
        p1.Startup(WinsockVersion.V2_2, out _);
        p1.Startup(WinsockVersion.V2_2, out _);
        p2.Startup(WinsockVersion.V2_2, out _);
        Assert.Equal(WsaError.ProcessLimit, p3.Startup(WinsockVersion.V2_2, out _));

        p1.Process.Terminate();

        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.Success, p3.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_OnlyTheFinalCleanup_FreesTheProcesssPlace()
    {
        var network = new SimulatedNetwork();
        var (p1, p2) = (Load(network, 1), Load(network, 1));
        p1.Startup(WinsockVersion.V2_2, out _);
        p1.Startup(WinsockVersion.V2_2, out _);

        Assert.True(p1.Cleanup().IsSuccess);
        Assert.Equal(WsaError.ProcessLimit, p2.Startup(WinsockVersion.V2_2, out _));

        Assert.True(p1.Cleanup().IsSuccess);
        Assert.Equal(0, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.Success, p2.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.ProcessLimit, p1.Startup(WinsockVersion.V2_2, out _));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_TheLimitIsCountedPerProviderId()
    {
        var network = new SimulatedNetwork();
        var first = Load(network, 1);
        var sameId = Load(network, 1);
        var otherId = Load(network, 1, s_otherProvider);
        first.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(WsaError.ProcessLimit, sameId.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, otherId.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(1, network.GetClientProcessCount(s_otherProvider));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void STA6_NoLimitByDefault()
    {
        var network = new SimulatedNetwork();
        var runtimes = Enumerable.Range(0, 20).Select(_ => Load(network, 0)).ToArray();

        Assert.All(runtimes, r => Assert.Equal(WsaError.Success, r.Startup(WinsockVersion.V2_2, out _)));
        Assert.Equal(20, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public async Task STA6_ProcessesRacingForTheLastPlaces_NeverExceedTheLimit()
    {
        var network = new SimulatedNetwork();
        const int Limit = 3, Processes = 8;
        var runtimes = Enumerable.Range(0, Processes).Select(_ => Load(network, Limit)).ToArray();
        using var go = new ManualResetEventSlim();

        var attempts = runtimes.Select(r => Task.Run(() =>
        {
            TestThreads.WaitFor(go);
            return r.Startup(WinsockVersion.V2_2, out _);
        })).ToArray();
        go.Set();
        var results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Equal(Limit, results.Count(e => e == WsaError.Success));
        Assert.Equal(Processes - Limit, results.Count(e => e == WsaError.ProcessLimit));
        Assert.Equal(Limit, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(Limit, runtimes.Count(r => r.StartupCount == 1));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    [Trait("Rule", "LSP-2")]
    public void STA6_ALayerOverAProviderAtItsLimit_FailsWithProviderFailedInitAndKeepsProcLim()
    {
        var network = new SimulatedNetwork();
        Load(network, 1).Startup(WinsockVersion.V2_2, out _);
        var refused = Load(network, 1);
        var layer = new LayeredProvider(refused);

        Assert.Equal(WsaError.ProviderFailedInit, layer.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(WsaError.ProcessLimit, layer.LastLowerStartupError);
        Assert.Equal(0, layer.StartupCount);
        Assert.Equal(0, refused.StartupCount);
    }

    // ---- STA-6: the network subsystem and blocking hooks ----

    [Fact]
    [Trait("Rule", "STA-6")]
    [Trait("Rule", "STA-4")]
    public void STA6_NetworkUnavailable_StartupFailsWithSysNotReadyWhateverTheCount()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 0);
        var idle = Load(network, 0);
        runtime.Startup(WinsockVersion.V2_2, out _);
        network.IsAvailable = false;

        Assert.Equal(WsaError.SystemNotReady, runtime.Startup(WinsockVersion.V2_2, out var data));
        Assert.Equal(10091, (int)WsaError.SystemNotReady);
        Assert.Equal(default, data);
        Assert.Equal(WsaError.SystemNotReady, idle.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(1, runtime.StartupCount);
        Assert.Equal(0, idle.StartupCount);
        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));

        network.IsAvailable = true;
        Assert.Equal(WsaError.Success, idle.Startup(WinsockVersion.V2_2, out _));
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    [Trait("Rule", "BLK-2")]
    public void STA6_StartupFromInsideABlockingHook_FailsWithInProgress()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 0);
        var hookStartup = WsaError.Success;
        var upcalls = new ProcessUpcalls(runtime.Process)
        {
            BlockingHook = () =>
            {
                hookStartup = runtime.Startup(WinsockVersion.V2_2, out _);
                return false;
            },
        };
        runtime.Startup(WinsockVersion.V2_2, out _, upcalls);
        var (s, _) = TestConnections.Connect(runtime, network);

        var receive = runtime.Receive(s, new byte[4]);

        Assert.Equal(WsaError.InProgress, hookStartup);
        Assert.Equal(WsaError.Interrupted, receive.Error);
        Assert.Equal(1, runtime.StartupCount);
    }

    // ---- CLN-11: cleanup while the network subsystem has failed ----

    [Fact]
    [Trait("Rule", "CLN-11")]
    [Trait("Rule", "CLN-4")]
    public void CLN11_NetworkDown_FinalCleanupReturnsNetDownButTearsEverythingDown()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 1);
        runtime.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = TestConnections.Connect(runtime, network);
        var ov = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[4], ov).Error);
        network.IsAvailable = false;

        var result = runtime.Cleanup();

        Assert.Equal(WsaError.NetworkDown, result.Error);
        Assert.Equal(Winsock.SocketError, result.ReturnValue);
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(WsaError.OperationAborted, ov.Error);
        Assert.False(ov.Event!.IsSet);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(0, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    [Trait("Rule", "CLN-3")]
    public void CLN11_NetworkDown_NonFinalCleanupReturnsNetDownAndReleasesOneReference()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 0);
        runtime.Startup(WinsockVersion.V2_2, out _);
        runtime.Startup(WinsockVersion.V2_2, out _);
        var (s, peer) = TestConnections.Connect(runtime, network);
        var ov = new WsaOverlapped(new WsaEvent());
        runtime.Receive(s, new byte[4], ov);
        network.IsAvailable = false;

        Assert.Equal(WsaError.NetworkDown, runtime.Cleanup().Error);

        Assert.Equal(1, runtime.StartupCount);
        Assert.True(runtime.Sockets.Contains(s));
        Assert.True(ov.IsPending);
        Assert.Equal(PeerState.Open, peer.State);

        Assert.Equal(WsaError.NetworkDown, runtime.Cleanup().Error);
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    [Trait("Rule", "CLN-10")]
    public void CLN11_AfterACleanupWithTheNetworkDown_ANewStartupWorksOnceTheNetworkIsBack()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 1);
        var other = Load(network, 1);
        runtime.Startup(WinsockVersion.V2_2, out _);
        network.IsAvailable = false;
        runtime.Cleanup();

        Assert.Equal(WsaError.SystemNotReady, other.Startup(WinsockVersion.V2_2, out _));
        network.IsAvailable = true;

        // The place the failed network's cleanup freed is taken by another process at once.
        Assert.Equal(WsaError.Success, other.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.ProcessLimit, runtime.Startup(WinsockVersion.V2_2, out _));
        other.Cleanup();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(0, runtime.Sockets.Count);
    }

    [Fact]
    [Trait("Rule", "CLN-11")]
    [Trait("Rule", "LSP-1")]
    public void CLN11_ThroughAChain_FinalCleanupReportsNetDownAndReleasesEveryLevel()
    {
        var network = new SimulatedNetwork();
        var runtime = Load(network, 0);
        var middle = new LayeredProvider(runtime);
        var top = new LayeredProvider(middle);
        top.Startup(WinsockVersion.V2_2, out _);
        top.Startup(WinsockVersion.V2_2, out _);
        network.IsAvailable = false;

        // A layer does not watch the network itself: its non-final cleanup does not reach the base.
        Assert.True(top.Cleanup().IsSuccess);
        Assert.Equal(WsaError.NetworkDown, top.Cleanup().Error);

        Assert.Equal((0, 0, 0), (top.StartupCount, middle.StartupCount, runtime.StartupCount));
        Assert.Equal((1, 1), (top.LowerCleanups, middle.LowerCleanups));
        Assert.True(runtime.IsUnloadReady);
    }

    // ---- PRC-2: connections between processes when one dies ----

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "OVL-8")]
    public void PRC2_ClientProcessDies_TheServerSeesAResetAndTheDeadSideIsNotNotified()
    {
        var network = new SimulatedNetwork();
        var (server, client) = (Load(network, 0), Load(network, 0));
        var (serverSocket, clientSocket) = ConnectAcross(server, client);
        var serverOv = new WsaOverlapped(new WsaEvent());
        var clientOv = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, server.Receive(serverSocket, new byte[8], serverOv).Error);
        Assert.Equal(WsaError.IOPending, client.Receive(clientSocket, new byte[8], clientOv).Error);

        client.Process.Terminate();

        Assert.Equal(WsaError.ConnectionReset, serverOv.Error);
        Assert.True(serverOv.Event!.IsSet);
        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => server.Receive(serverSocket, new byte[8]), "a blocking receive that should give ConnectionReset at once").Error);
        Assert.Equal(WsaError.OperationAborted, clientOv.Error);
        Assert.False(clientOv.Event!.IsSet);
        Assert.True(client.IsUnloadReady);
        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.True(server.Sockets.Contains(serverSocket));
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_ServerProcessDies_TheClientSeesAResetAndTheListenerIsGone()
    {
        var network = new SimulatedNetwork();
        var (server, client) = (Load(network, 0), Load(network, 0));
        var (_, clientSocket) = ConnectAcross(server, client, out var listenEndPoint);
        var clientOv = new WsaOverlapped(new WsaEvent());
        client.Receive(clientSocket, new byte[8], clientOv);

        server.Process.Terminate();

        Assert.Equal(WsaError.ConnectionReset, clientOv.Error);
        Assert.True(clientOv.Event!.IsSet);
        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => client.Send(clientSocket, new byte[1]), "a blocking send that should give ConnectionReset at once").Error);
        var late = client.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.Equal(WsaError.ConnectionRefused, client.Connect(late, listenEndPoint).Error);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    [Trait("Rule", "CLN-7")]
    public void PRC2_GracefulDrainHandedToTheNetwork_ContinuesAfterTheSenderDies()
    {
        var network = new SimulatedNetwork();
        var (server, client) = (Load(network, 0), Load(network, 0));
        var (drained, closedGracefully) = ConnectAcross(server, client);
        var (reset, leftOpen) = ConnectAcross(server, client);
        var payload = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        Assert.Equal(payload.Length, client.Send(closedGracefully, payload).Value);
        Assert.True(client.CloseSocket(closedGracefully).IsSuccess);
        client.Send(leftOpen, payload);

        client.Process.Terminate();

        var received = new List<byte>();
        var buffer = new byte[700];
        int n;
        while ((n = TestThreads.RunBounded(() => server.Receive(drained, buffer), "a blocking receive of the drained stream").Value) > 0)
        {
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(payload, received);
        Assert.Equal(0, n);
        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => server.Receive(reset, buffer), "a blocking receive on a reset connection").Error);
    }

    [Fact]
    [Trait("Rule", "PRC-2")]
    public void PRC2_ANewProcessAfterADeath_StartsAtOnceAndReachesTheSurvivor()
    {
        var network = new SimulatedNetwork();
        var server = Load(network, 2);
        var dying = Load(network, 2);
        var (_, _) = ConnectAcross(server, dying, out var listenEndPoint);
        dying.Process.Terminate();

        var reborn = Load(network, 2);
        Assert.Equal(WsaError.Success, reborn.Startup(WinsockVersion.V2_2, out _));
        var s = reborn.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.True(reborn.Connect(s, listenEndPoint).IsSuccess);
        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    private static ProviderRuntime Load(SimulatedNetwork network, int maxProcesses, Guid? providerId = null) =>
        new(new ProviderOptions
        {
            Process = new SimulatedProcess(network),
            MaxProcesses = maxProcesses,
            ProviderId = providerId ?? ProviderOptions.DefaultProviderId,
        });

    private static (SocketHandle Server, SocketHandle Client) ConnectAcross(ProviderRuntime server, ProviderRuntime client)
        => ConnectAcross(server, client, out _);

    /// <summary>Starts both (when not started yet), listens in the server's process and connects from the client's.</summary>
    private static (SocketHandle Server, SocketHandle Client) ConnectAcross(ProviderRuntime server, ProviderRuntime client, out EndPoint listenEndPoint)
    {
        foreach (var runtime in new[] { server, client })
        {
            if (runtime.StartupCount == 0)
            {
                Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
            }
        }

        var listener = server.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        server.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        server.Listen(listener, 5).ThrowIfFailed();
        listenEndPoint = server.GetSockName(listener).ThrowIfFailed();
        var c = client.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        client.Connect(c, listenEndPoint).ThrowIfFailed();
        var s = server.Accept(listener).ThrowIfFailed();
        return (s, c);
    }
}
