using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Network;

/// <summary>Unit tests of <see cref="SimulatedNetwork"/> and its harness listeners: listen, connect, refusal, ports.</summary>
public sealed class SimulatedNetworkTests
{
    private static readonly IPEndPoint Fixed = new(IPAddress.Loopback, 5000);

    [Fact]
    public void Listen_OnAFixedPort_UsesThatEndPoint()
    {
        var network = new SimulatedNetwork();

        using var listener = network.Listen(Fixed);

        Assert.Equal(Fixed, listener.EndPoint);
        Assert.Equal(0, listener.PendingCount);
        Assert.Equal(network.DefaultBufferSize, listener.SendBufferSize);
    }

    [Fact]
    public void Listen_OnPortZero_PicksDistinctEphemeralPorts()
    {
        var network = new SimulatedNetwork();

        using var a = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));

        var pa = ((IPEndPoint)a.EndPoint).Port;
        var pb = ((IPEndPoint)b.EndPoint).Port;
        Assert.InRange(pa, 49152, 65535);
        Assert.InRange(pb, 49152, 65535);
        Assert.NotEqual(pa, pb);
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)a.EndPoint).Address);
    }

    [Fact]
    public void Listen_OnAnEndPointInUse_Throws()
    {
        var network = new SimulatedNetwork();
        using var first = network.Listen(Fixed);

        Assert.Throws<ArgumentException>(() => network.Listen(Fixed));
    }

    [Fact]
    public void Listen_AfterDispose_TheEndPointIsFreeAgain()
    {
        var network = new SimulatedNetwork();
        network.Listen(Fixed).Dispose();

        using var again = network.Listen(Fixed);

        Assert.Equal(Fixed, again.EndPoint);
    }

    [Fact]
    public void Listen_OnANonIpEndPoint_Throws()
    {
        var network = new SimulatedNetwork();

        Assert.Throws<ArgumentException>(() => network.Listen(new DnsEndPoint("localhost", 80)));
        Assert.Throws<ArgumentNullException>(() => network.Listen(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Listen(Fixed, -1));
    }

    [Fact]
    public void Listen_WithABufferSize_UsesIt()
    {
        var network = new SimulatedNetwork();

        using var listener = network.Listen(Fixed, sendBufferSize: 3);

        Assert.Equal(3, listener.SendBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.DefaultBufferSize = 0);
    }

    [Fact]
    public void Connect_ToAPeerListener_QueuesAPeerToAccept()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        Assert.True(h.Runtime.Connect(s, h.Listener.EndPoint).IsSuccess);

        Assert.Equal(1, h.Listener.PendingCount);
        Assert.True(h.Listener.TryAccept(out var peer));
        Assert.Equal(h.Runtime.GetSockName(s).Value, peer.RemoteEndPoint);
        Assert.Equal(0, h.Listener.PendingCount);
        Assert.False(h.Listener.TryAccept(out _));
        Assert.Throws<InvalidOperationException>(() => h.Listener.Accept());
    }

    [Fact]
    public void Connect_TwoSockets_PeersAreAcceptedInOrder()
    {
        using var h = new ProviderHarness();
        var s1 = h.NewSocket();
        var s2 = h.NewSocket();
        h.Runtime.Connect(s1, h.Listener.EndPoint).ThrowIfFailed();
        h.Runtime.Connect(s2, h.Listener.EndPoint).ThrowIfFailed();

        var p1 = h.Listener.Accept();
        var p2 = h.Listener.Accept();

        Assert.Equal(h.Runtime.GetSockName(s1).Value, p1.RemoteEndPoint);
        Assert.Equal(h.Runtime.GetSockName(s2).Value, p2.RemoteEndPoint);
    }

    [Fact]
    public void Connect_WithoutAListener_IsRefused()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        var r = h.Runtime.Connect(s, new IPEndPoint(IPAddress.Loopback, 1));

        Assert.Equal(WsaError.ConnectionRefused, r.Error);
        Assert.Equal(10061, (int)r.Error);
        Assert.Equal(WsaError.NotConnected, TestThreads.RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give NotConnected at once").Error);
    }

    [Fact]
    public void Connect_AfterTheListenerIsDisposed_IsRefused()
    {
        using var h = new ProviderHarness();
        var endPoint = h.Listener.EndPoint;
        h.Listener.Dispose();

        Assert.Equal(WsaError.ConnectionRefused, h.Runtime.Connect(h.NewSocket(), endPoint).Error);
    }

    [Fact]
    public void DisposingAListener_ResetsConnectionsNotAcceptedYet()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.Connect(s, h.Listener.EndPoint).ThrowIfFailed();

        h.Listener.Dispose();

        Assert.Equal(WsaError.ConnectionReset, TestThreads.RunBounded(() => h.Runtime.Receive(s, new byte[1]), "a blocking receive that should give ConnectionReset at once").Error);
    }

    [Fact]
    public void Connect_ToAListenerOnAnotherNetwork_IsRefused()
    {
        var elsewhere = new SimulatedNetwork();
        using var remote = elsewhere.Listen(Fixed);
        using var h = new ProviderHarness();

        Assert.Equal(WsaError.ConnectionRefused, h.Runtime.Connect(h.NewSocket(), Fixed).Error);
    }

    [Fact]
    public void Bind_OnPortZero_PicksAnEphemeralPort()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();

        var bound = (IPEndPoint)h.Runtime.GetSockName(s).Value;
        Assert.InRange(bound.Port, 49152, 65535);
    }

    [Fact]
    public void Bind_OnAnEndPointInUse_FailsWithAddressInUse()
    {
        using var h = new ProviderHarness();
        var a = h.NewSocket();
        var b = h.NewSocket();
        h.Runtime.Bind(a, Fixed).ThrowIfFailed();

        Assert.Equal(WsaError.AddressAlreadyInUse, h.Runtime.Bind(b, Fixed).Error);
        Assert.Equal(WsaError.AddressAlreadyInUse, h.Runtime.Bind(h.NewSocket(), h.Listener.EndPoint).Error);
        Assert.Throws<ArgumentException>(() => h.Network.Listen(Fixed));
    }

    [Fact]
    public void Bind_AfterTheOwnerCloses_TheEndPointIsFreeAgain()
    {
        using var h = new ProviderHarness();
        var a = h.NewSocket();
        h.Runtime.Bind(a, Fixed).ThrowIfFailed();
        h.Runtime.CloseSocket(a).ThrowIfFailed();

        Assert.True(h.Runtime.Bind(h.NewSocket(), Fixed).IsSuccess);
    }

    [Fact]
    public void Bind_Twice_FailsWithInvalidArgument()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();
        h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).Error);
    }

    [Fact]
    public void ListeningSocket_OnAnEndPointHeldByAPeerListener_CannotBind()
    {
        using var h = new ProviderHarness();
        var s = h.NewSocket();

        Assert.Equal(WsaError.AddressAlreadyInUse, h.Runtime.Bind(s, h.Listener.EndPoint).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Listen(s, 5).Error);
    }

    [Fact]
    public void ConnectingSockets_GetDistinctLocalPorts()
    {
        using var h = new ProviderHarness();
        var s1 = h.NewSocket();
        var s2 = h.NewSocket();

        h.Runtime.Connect(s1, h.Listener.EndPoint).ThrowIfFailed();
        h.Runtime.Connect(s2, h.Listener.EndPoint).ThrowIfFailed();

        Assert.NotEqual(h.Runtime.GetSockName(s1).Value, h.Runtime.GetSockName(s2).Value);
    }

    [Fact]
    [Trait("Rule", "STA-6")]
    public void UnavailableNetwork_StartupFailsWithSystemNotReady()
    {
        var network = new SimulatedNetwork { IsAvailable = false };
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });

        Assert.Equal(WsaError.SystemNotReady, runtime.Startup(WinsockVersion.V2_2, out _));

        network.IsAvailable = true;
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
    }

    [Fact]
    public void ClientProcesses_AreCountedPerProcessWhileStarted()
    {
        var network = new SimulatedNetwork();
        using var a = new ProviderRuntime(new ProviderOptions { Network = network });
        using var b = new ProviderRuntime(new ProviderOptions { Network = network });
        a.Startup(WinsockVersion.V2_2, out _);
        a.Startup(WinsockVersion.V2_2, out _);
        b.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        a.Cleanup().ThrowIfFailed();
        Assert.Equal(2, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        a.Cleanup().ThrowIfFailed();
        Assert.Equal(1, network.GetClientProcessCount(ProviderOptions.DefaultProviderId));
        Assert.Equal(0, network.GetClientProcessCount(Guid.NewGuid()));
    }

    [Fact]
    [Trait("Rule", "CLN-7")]
    public void Connection_OutlivesTheProviderThatSentTheData()
    {
        using var h = new ProviderHarness();
        var (s, peer) = h.Connect();
        h.Runtime.Send(s, "kept"u8.ToArray()).ThrowIfFailed();
        h.Runtime.CloseSocket(s).ThrowIfFailed();

        h.Runtime.Cleanup().ThrowIfFailed();

        Assert.Equal("kept"u8.ToArray(), peer.ReadAvailable());
        Assert.Equal(PeerState.FinReceived, peer.State);
    }

    [Fact]
    public void Connect_OnIPv6Socket_ToIPv4Listener_FailsWithAddressFamilyNotSupported()
    {
        using var h = new ProviderHarness();
        var s = h.Runtime.Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.Equal(WsaError.AddressFamilyNotSupported, h.Runtime.Connect(s, h.Listener.EndPoint).Error);
    }
}
