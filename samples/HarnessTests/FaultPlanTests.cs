using System.Text;
using WinsockSpi;
using WinsockSpi.Faults;
using WinsockSpi.Network;
using WinsockSpi.Testing;
using WinsockSpi.Tracing;

namespace HarnessTests;

/// <summary>
/// The retrying client under injected faults: a fault plan on the harness's network fails a chosen call or resets a
/// connection after some bytes, and the client must retry through it. A seeded random plan explores many fault
/// combinations; a failing seed is printed and replays exactly.
/// </summary>
public sealed class FaultPlanTests(ITestOutputHelper output)
{
    [Fact]
    public void Exchange_FirstSendFailsWithReset_RetriesOnANewConnection()
    {
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(
            new PeerScript(), // the first connection: its send never reaches the peer
            new PeerScript().Expect("PING"u8).Reply("PONG"u8));
        var plan = new FaultPlan();
        var failSend = plan.FailCall(SpiCall.Send, 1, WsaError.ConnectionReset);
        h.Network.Faults = plan;
        var client = new RetryingClient(h.Api, server.EndPoint);

        var reply = client.Exchange("PING"u8, 4);

        Assert.Equal("PONG", Encoding.ASCII.GetString(reply));
        Assert.Equal(1, failSend.FiredCount);
        Assert.Equal(2, client.Connections);
        h.AssertScriptsCompleted();
    }

    [Fact]
    public void Exchange_ConnectionResetAfterTwoBytes_RetriesOnAConnectionMadeWithoutTheFault()
    {
        using var h = new Ws2Harness();
        var plan = new FaultPlan();
        var reset = plan.ResetAfterBytes(2);
        var server = h.AddPeerListener(
            new PeerScript().Then(_ => h.Network.Faults = null), // later connections are made without the plan
            new PeerScript().Expect("PING"u8).Reply("PONG"u8));
        h.Network.Faults = plan;
        var client = new RetryingClient(h.Api, server.EndPoint);

        var reply = client.Exchange("PING"u8, 4);

        Assert.Equal("PONG", Encoding.ASCII.GetString(reply));
        Assert.Equal(1, reset.FiredCount);
        Assert.Equal(2, client.Connections);
        Assert.Equal(PeerState.Reset, server.ScriptedPeers[0].Peer.State);
    }

    [Fact]
    public void Exchange_EveryConnectionResetAfterTwoBytes_GivesUpAfterItsAttempts()
    {
        using var h = new Ws2Harness();
        var plan = new FaultPlan();
        var reset = plan.ResetAfterBytes(2);
        var server = h.AddPeerListener(new PeerScript(), new PeerScript(), new PeerScript());
        h.Network.Faults = plan;
        var client = new RetryingClient(h.Api, server.EndPoint, attempts: 3);

        var e = Assert.Throws<WinsockException>(() => client.Exchange("PING"u8, 4));

        Assert.Equal(WsaError.ConnectionReset, e.Error);
        Assert.Equal(3, reset.FiredCount); // once per connection
        Assert.Equal(3, client.Connections);
    }

    [Fact]
    public void SeededFaults_ExplorationFindsAFailingSeed_AndTheSeedReplaysExactly()
    {
        // The property: the client gets its reply through whatever faults the plan injects. It does not hold (the
        // client retries resets only), and exploring seeds finds a plan that shows it.
        var failure = Assert.Throws<FaultPlanException>(() => FaultPlan.Explore(1, 200, plan => Scenario(plan, null)));
        output.WriteLine(failure.Message); // "... fault plan from seed N (replay: FaultPlan.FromSeed(N), or set WINSOCKSPI_FAULT_SEED=N) ..."

        int seed = failure.Seed!.Value;
        Assert.Contains($"FaultPlan.FromSeed({seed})", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"{FaultPlan.SeedVariable}={seed}", failure.Message, StringComparison.Ordinal);

        // The replay: the printed seed gives the same plan, the same outcome, and the same trace byte for byte.
        var first = new TraceRecorder();
        var second = new TraceRecorder();
        var replayed = Assert.Throws<InvalidOperationException>(() => Scenario(FaultPlan.FromSeed(seed), first));
        var again = Assert.Throws<InvalidOperationException>(() => Scenario(FaultPlan.FromSeed(seed), second));

        Assert.Equal(failure.InnerException!.Message, replayed.Message);
        Assert.Equal(replayed.Message, again.Message);
        Assert.Null(TraceComparison.FirstDifference(first.ToJson(), second.ToJson()));
        Assert.Equal(first.ToJson(), second.ToJson());
    }

    /// <summary>
    /// One run: three scripted servers that answer PING with PONG, the plan on the network, one exchange. Throws when
    /// the exchange does not return PONG, naming what it gave (Explore adds the seed and the plan).
    /// </summary>
    private static void Scenario(FaultPlan plan, TraceRecorder? recorder)
    {
        var h = new Ws2Harness();
        h.Network.Recorder = recorder;
        var answer = new PeerScript().Expect("PING"u8).Reply("PONG"u8);
        var server = h.AddPeerListener(answer, answer, answer);
        h.Network.Faults = plan;
        var client = new RetryingClient(h.Api, server.EndPoint);
        string outcome;
        try
        {
            outcome = Encoding.ASCII.GetString(client.Exchange("PING"u8, 4));
        }
        catch (WinsockException e)
        {
            outcome = e.Error.ToSymbol();
        }

        h.Network.Faults = null;
        h.Network.Recorder = null;
        h.ValidateInvariants(); // the simulation stays consistent whatever the faults did
        try
        {
            h.Dispose();
        }
        catch (HarnessAssertionException e) when (e.Message.StartsWith("A scripted peer's expectation failed", StringComparison.Ordinal))
        {
            // A server whose connection the plan reset or cut short: expected under faults, and not the client's doing.
        }

        if (outcome != "PONG")
        {
            throw new InvalidOperationException($"The exchange gave {outcome} instead of PONG after {client.Connections} connections.");
        }
    }
}
