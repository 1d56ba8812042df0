using System.Net;
using HarnessTests;
using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Ws2;

namespace WinsockSpi.Coyote;

/// <summary>
/// The harness sample's own client (samples/HarnessTests/RetryingClient.cs, compiled into this assembly) under Coyote
/// (docs/coyote.md, "Testing your own code"): the client keeps a receive pending for the server's push, and the
/// application shuts the client down (its final WSACleanup) while the server pushes. Coyote explores the interleavings
/// of the shutdown with the push's completion, delivered on the server's thread.
/// </summary>
public static class HarnessSampleScenarios
{
    /// <summary>
    /// Push versus shutdown: whichever wins, the pending receive ends exactly once, as completed and notified (the push
    /// won) or as aborted and never notified (CLN-4: the final cleanup won), and nothing is notified after the cleanup
    /// returned (CLN-13).
    /// </summary>
    [Test]
    public static async Task UserCode_RetryingClientPushVersusShutdown()
    {
        var network = new SimulatedNetwork();
        var process = new SimulatedProcess(network);
        var api = new Ws2Api(new Ws2ApiOptions { Process = process });
        Check.That(api.WSAStartup(0x0202, out _) == 0, "WSAStartup failed.");
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var client = new RetryingClient(api, listener.EndPoint);
        client.EnsureConnected();
        var server = listener.Accept();
        var done = new WsaEvent();
        var push = client.ListenForPush(done);
        int setWhenCleanupReturned = -1;

        var pushing = Task.Run(() => server.Write("x"u8));
        var shuttingDown = Task.Run(() =>
        {
            int result = client.Shutdown();
            Check.That(result == 0, $"The client's WSACleanup returned {result}.");
            Check.NotPending(push, "the push receive", "the final WSACleanup");
            setWhenCleanupReturned = done.SetCount;
        });
        await Check.All([pushing, shuttingDown]);

        var status = push.Status;
        Check.That(
            (status == OperationStatus.Completed && done.SetCount == 1) || (status == OperationStatus.Aborted && done.SetCount == 0),
            $"The push receive ended {status} with its event set {done.SetCount} times: expected completed and set once, or aborted (CLN-4) and never set.");
        Check.That(done.SetCount == setWhenCleanupReturned, $"CLN-13: the push's event was set after the final WSACleanup returned ({setWhenCleanupReturned} then {done.SetCount}).");
        Check.That(api.Operations.PendingCount == 0, "An operation is still pending after the final WSACleanup.");
        listener.Dispose();
        process.Terminate();
    }
}
