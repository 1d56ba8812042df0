using System.Net.Sockets;
using WinsockSpi.Faults;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tests.Tracing;
using WinsockSpi.Tracing;

namespace WinsockSpi.Tests.Faults;

/// <summary>
/// Fault plans: the Nth call of a kind fails with the chosen error and changes nothing; connections reset or stall after
/// N bytes; the network goes down at a step; a lower provider's startup fails under a layer; each fault counts its
/// firings; a plan built from a seed replays exactly and a failing seed is printed with the way to replay it.
/// </summary>
public class FaultPlanTests
{
    [Fact]
    public void FailCall_FailsOnlyTheNthCallOfItsKind_AndChangesNothing()
    {
        var plan = new FaultPlan();
        var fault = plan.FailCall(SpiCall.Socket, 2, WsaError.TooManyOpenSockets);
        using var h = new ProviderHarness(configure: o => { });
        h.Runtime.Faults = plan;

        var first = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var second = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var third = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        Assert.True(first.IsSuccess);
        Assert.Equal(WsaError.TooManyOpenSockets, second.Error);
        Assert.True(third.IsSuccess);
        Assert.Equal(2, h.Runtime.Sockets.Count);
        Assert.Equal(1, fault.FiredCount);
        Assert.Equal(3, plan.Steps);
        Assert.Equal("fail Socket #2 with WSAEMFILE (fired 1)", fault.ToString());
        h.ValidateInvariants();
    }

    [Fact]
    public void ResetAfterBytes_ResetsTheConnectionOnceItsSocketSentThem_AndAPendingReceiveSeesTheReset()
    {
        var plan = new FaultPlan();
        var fault = plan.ResetAfterBytes(6);
        var network = new SimulatedNetwork { Faults = plan, Recorder = new TraceRecorder() };
        using var h = new ProviderHarness(network: network);
        var s = h.Connect(out var peer);
        var receive = h.PendReceive(s);

        Assert.Equal(4, h.Runtime.Send(s, "abcd"u8.ToArray()).Value);
        Assert.Equal(0, fault.FiredCount);
        Assert.Equal(2, h.Runtime.Send(s, "ef"u8.ToArray()).Value); // the connection takes these two bytes, then is reset

        Assert.Equal(1, fault.FiredCount);
        Assert.Equal(OperationStatus.Failed, receive.Status);
        Assert.Equal(WsaError.ConnectionReset, receive.Error);
        Assert.Equal(PeerState.Reset, peer.State);
        Assert.Equal(WsaError.ConnectionReset, h.Runtime.Send(s, "i"u8.ToArray()).Error);
        Assert.Contains(network.Recorder.Events, e => e.Kind == TraceEventKind.Fault && e.Name == "ResetAfterBytes" && e.Value == 6);
    }

    [Fact]
    public void StallAfterBytes_LetsTheConnectionTakeOnlyThatMuch_SoLaterSendsPendEvenWhenThePeerReads()
    {
        var plan = new FaultPlan();
        var fault = plan.StallAfterBytes(3);
        using var h = new ProviderHarness(network: new SimulatedNetwork { Faults = plan });
        var s = h.Connect(out var peer);

        var send = h.PendSend(s, "abcdef"u8.ToArray());
        Assert.Equal("abc"u8.ToArray(), peer.ReadAvailable());

        Assert.Equal(OperationStatus.Pending, send.Status);
        Assert.Equal(1, fault.FiredCount);
        Assert.Equal(PeerState.Open, peer.State);
        Assert.True(h.Runtime.CloseSocket(s).IsSuccess);
        Assert.Equal(WsaError.OperationAborted, send.Error);
    }

    [Fact]
    public void NetworkDownAt_TakesTheNetworkDownJustBeforeThatStep()
    {
        var plan = new FaultPlan();
        var fault = plan.NetworkDownAt(3);
        using var h = new ProviderHarness(startups: 0, network: new SimulatedNetwork { Faults = plan });

        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.Success, h.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.SystemNotReady, h.Runtime.Startup(WinsockVersion.V2_2, out _));

        Assert.False(h.Network.IsAvailable);
        Assert.Equal(1, fault.FiredCount);
        Assert.Equal(WsaError.NetworkDown, h.Runtime.Cleanup().Error);
        h.Network.IsAvailable = true;
        Assert.True(h.Runtime.Cleanup().IsSuccess);
    }

    [Fact]
    public void FailStartup_OfTheLowerProvider_FailsTheLayersStartupWithProviderFailedInit()
    {
        var plan = new FaultPlan();
        var fault = plan.FailStartup(WsaError.SystemNotReady);
        using var h = new ProviderHarness(startups: 0);
        h.Runtime.Faults = plan;
        using var layer = new LayeredProvider(h.Runtime, new LayeredProviderOptions { Process = h.Process });

        Assert.Equal(WsaError.ProviderFailedInit, layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.SystemNotReady, layer.LastLowerStartupError);
        Assert.Equal(0, h.Runtime.StartupCount);
        Assert.Equal(1, fault.FiredCount);

        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _)); // the fault fired once
        Assert.True(layer.Cleanup().IsSuccess);
    }

    [Fact]
    public void FromSeed_BuildsTheSamePlanForTheSameSeed_AndASeededRunReplaysItsTraceExactly()
    {
        Assert.Equal(FaultPlan.FromSeed(42).ToString(), FaultPlan.FromSeed(42).ToString());
        Assert.Contains(Enumerable.Range(0, 20), seed => FaultPlan.FromSeed(seed).ToString() != FaultPlan.FromSeed(42).ToString());
        Assert.Equal("FaultPlan.FromSeed(42)", FaultPlan.FromSeed(42).ReplayCode);
        Assert.Null(new FaultPlan().ReplayCode);

        for (int seed = 0; seed < 20; seed++)
        {
            string first = SeededRun(FaultPlan.FromSeed(seed), out string firstPlan);
            string again = SeededRun(FaultPlan.FromSeed(seed), out string againPlan);
            Assert.True(TraceComparison.FirstDifference(first, again) is null, $"seed {seed}: {TraceComparison.FirstDifference(first, again)}");
            Assert.Equal(first, again);
            Assert.Equal(firstPlan, againPlan);
        }
    }

    [Fact]
    public void Explore_RunsEachSeed_AndAFailingSeedIsPrintedWithItsReplay()
    {
        var seen = new List<int?>();
        Assert.Equal(5, FaultPlan.Explore(100, 5, plan => seen.Add(plan.Seed)));
        Assert.Equal([100, 101, 102, 103, 104], seen);

        var failure = Assert.Throws<FaultPlanException>(() => FaultPlan.Explore(7, 10, plan =>
        {
            if (plan.Seed == 9)
            {
                throw new InvalidOperationException("the client gave up");
            }
        }));

        Assert.Equal(9, failure.Seed);
        Assert.Contains("FaultPlan.FromSeed(9)", failure.Message, StringComparison.Ordinal);
        Assert.Contains(FaultPlan.SeedVariable + "=9", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the client gave up", failure.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var plan = new FaultPlan();
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.FailCall(SpiCall.Send, 0, WsaError.NetworkDown));
        Assert.Throws<ArgumentException>(() => plan.FailCall(SpiCall.Send, 1, WsaError.Success));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.ResetAfterBytes(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.NetworkDownAt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultPlan.Explore(0, 0, _ => { }));
        Assert.Equal("fault plan: no faults", plan.ToString());
    }

    /// <summary>A client that connects, sends, receives and cleans up, whatever the plan makes of it; gives the trace.</summary>
    private static string SeededRun(FaultPlan plan, out string planAfter)
    {
        var recorder = new TraceRecorder();
        var network = new SimulatedNetwork { Recorder = recorder, Faults = plan };
        using (var h = new ProviderHarness(network: network, startups: 0))
        {
            if (h.Runtime.Startup(WinsockVersion.V2_2, out _) == WsaError.Success)
            {
                var s = h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                if (s.IsSuccess && h.Runtime.Connect(s.Value, h.Listener.EndPoint).IsSuccess)
                {
                    var peer = h.Listener.Accept();
                    for (int i = 0; i < 4; i++)
                    {
                        h.Runtime.Send(s.Value, new byte[16]);
                        peer.ReadAvailable();
                        peer.Write("ok"u8);
                        h.Runtime.Receive(s.Value, new byte[8]);
                    }
                }

                while (h.Runtime.StartupCount > 0)
                {
                    h.Network.IsAvailable = true;
                    h.Runtime.Cleanup();
                }
            }

            h.Network.IsAvailable = true;
        }

        planAfter = plan.ToString();
        return recorder.ToJson();
    }
}
