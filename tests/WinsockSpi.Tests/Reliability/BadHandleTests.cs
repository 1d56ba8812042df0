using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// Bad input, handles: every call that takes a handle, on the provider, a layered provider and the Ws2 layer, with
/// default, invalid, forged, foreign and stale handles. Each gives WSAENOTSOCK while started and WSANOTINITIALISED
/// while not (SOC-1, CLS-1, CLN-10, PRC-3, STA-8), starts nothing, and a normal transfer works afterwards.
/// </summary>
public sealed class BadHandleTests
{
    public enum Surface
    {
        Provider,
        Layered,
        Ws2,
    }

    private static readonly (string Name, Func<IWspProvider, SocketHandle, WsaError> Call)[] s_calls =
    [
        ("DuplicateSocket", (p, h) => p.DuplicateSocket(h).Error),
        ("CloseSocket", (p, h) => p.CloseSocket(h).Error),
        ("SetLinger", (p, h) => p.SetLinger(h, true, 1).Error),
        ("SetBlocking", (p, h) => p.SetBlocking(h, false).Error),
        ("Bind", (p, h) => p.Bind(h, new IPEndPoint(IPAddress.Loopback, 0)).Error),
        ("Listen", (p, h) => p.Listen(h, 1).Error),
        ("Accept", (p, h) => p.Accept(h).Error),
        ("Connect", (p, h) => p.Connect(h, new IPEndPoint(IPAddress.Loopback, 9)).Error),
        ("Shutdown", (p, h) => p.Shutdown(h, SocketShutdown.Send).Error),
        ("Send", (p, h) => p.Send(h, new byte[1]).Error),
        ("Receive", (p, h) => p.Receive(h, new byte[1]).Error),
        ("GetOverlappedResult", (p, h) => p.GetOverlappedResult(h, new WsaOverlapped(), wait: false).Error),
        ("EventSelect", (p, h) => p.EventSelect(h, new WsaEvent(), NetworkEvents.Read).Error),
        ("EnumNetworkEvents", (p, h) => p.EnumNetworkEvents(h).Error),
        ("GetSockName", (p, h) => p.GetSockName(h).Error),
        ("GetPeerName", (p, h) => p.GetPeerName(h).Error),
        ("AsyncSelect", (p, h) => p.AsyncSelect(h, null, 0x400, NetworkEvents.None).Error),
    ];

    [Theory]
    [InlineData(Surface.Provider)]
    [InlineData(Surface.Layered)]
    [InlineData(Surface.Ws2)]
    [Trait("Suite", "BadInput")]
    public void EveryHandleCall_WithBadHandles_GivesNotSock_StartsNothing_AndTheSocketStillWorks(Surface surface)
    {
        using var rig = NewRig(surface);
        // Another process and provider on the same network (handles of two networks, like those of two machines, may coincide).
        using var foreign = NewRig(surface, rig.Network);
        var p = rig.Provider;
        Assert.Equal(WsaError.Success, p.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        Assert.Equal(WsaError.Success, foreign.Provider.Startup(WinsockVersion.V2_2, out _, foreign.Upcalls));
        var live = rig.Connect(out var peer);
        var closed = p.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(p.CloseSocket(closed).IsSuccess);
        var other = foreign.Connect(out _);

        var bad = BadHandles(live, closed, other);
        int calls = 0;
        foreach (var (name, call) in s_calls)
        {
            foreach (var (kind, h) in bad)
            {
                Assert.True(WsaError.NotSocket == call(p, h), $"{surface} {name} with a {kind} handle {h}: {call(p, h).ToSymbol()}");
                calls++;
            }
        }

        AssertStillWorks(rig, live, peer);
        SuiteLog.Write($"bad-input/handles: {surface}: {calls} calls with bad handles, each WSAENOTSOCK; the live socket still works");
    }

    [Theory]
    [InlineData(Surface.Provider)]
    [InlineData(Surface.Layered)]
    [InlineData(Surface.Ws2)]
    [Trait("Suite", "BadInput")]
    public void EveryHandleCall_AfterTheFinalCleanup_GivesNotInitialised_ThenNotSockAfterARestart(Surface surface)
    {
        using var rig = NewRig(surface);
        var p = rig.Provider;
        Assert.Equal(WsaError.Success, p.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var old = rig.Connect(out _);
        Assert.True(p.Cleanup().IsSuccess);
        foreach (var (name, call) in s_calls)
        {
            foreach (var (kind, h) in BadHandles(old, old, old))
            {
                Assert.True(WsaError.NotInitialized == call(p, h), $"{surface} {name} with a {kind} handle while not started: {call(p, h).ToSymbol()}");
            }
        }

        Assert.Equal(WsaError.Success, p.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var fresh = rig.Connect(out var peer);
        foreach (var (name, call) in s_calls)
        {
            Assert.True(WsaError.NotSocket == call(p, old), $"{surface} {name} with a handle from before the restart: {call(p, old).ToSymbol()}");
        }

        AssertStillWorks(rig, fresh, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void GetOverlappedResult_WithAMissingOrUnusedOverlapped_GivesItsDocumentedErrors()
    {
        using var rig = NewRig(Surface.Provider);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        Assert.Equal(WsaError.InvalidParameter, rig.Runtime.GetOverlappedResult(s, null, wait: false).Error);
        Assert.Equal(WsaError.InvalidArgument, rig.Runtime.GetOverlappedResult(s, new WsaOverlapped(), wait: false).Error);
        Assert.Equal(WsaError.InvalidArgument, rig.Runtime.GetOverlappedResult(s, new WsaOverlapped(), wait: true).Error);
        AssertStillWorks(rig, s, peer);
    }

    internal static ReliabilityRig NewRig(Surface surface, SimulatedNetwork? network = null) =>
        new(sendBufferSize: 1024, peerBufferSize: 1024, layered: surface == Surface.Layered, ws2: surface == Surface.Ws2, network: network);

    /// <summary>A normal transfer each way on <paramref name="s"/>, with the provider's bookkeeping checked.</summary>
    internal static void AssertStillWorks(ReliabilityRig rig, SocketHandle s, RemotePeer peer)
    {
        var p = rig.Provider;
        Assert.Equal(4, p.Send(s, "ping"u8.ToArray()).Value);
        Assert.Equal("ping"u8.ToArray(), peer.ReadAvailable());
        var ov = new WsaOverlapped(new WsaEvent());
        var buffer = new byte[8];
        Assert.Equal(WsaError.IOPending, p.Receive(s, buffer, ov).Error);
        Assert.Equal(4, peer.Write("pong"u8));
        Assert.Equal(OperationStatus.Completed, ov.Status);
        Assert.Equal(4, ov.BytesTransferred);
        Assert.Equal(1, ov.Event!.SetCount);
        Assert.Equal("pong"u8.ToArray(), buffer[..4]);
        Assert.Equal(PeerState.Open, peer.State);
        (rig.Ws2 is null ? rig.Runtime : rig.Loaded)!.ValidateInvariants();
    }

    private static List<(string Kind, SocketHandle Handle)> BadHandles(SocketHandle live, SocketHandle closed, SocketHandle foreign) =>
    [
        ("default", default),
        ("INVALID_SOCKET", SocketHandle.Invalid),
        ("small forged", new SocketHandle(0x1234)),
        ("forged neighbour", new SocketHandle(live.Value + 1)),
        ("forged high bits", new SocketHandle(live.Value ^ ((nuint)1 << 40))),
        ("forged tag", new SocketHandle(live.Value ^ ((nuint)1 << 60))),
        ("closed", closed),
        ("foreign provider's", foreign),
    ];
}
