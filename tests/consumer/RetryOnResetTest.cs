using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Testing;

/// <summary>
/// The retry-on-reset test a package user writes with WinsockSpi.Testing, framework-free: no thread, no polling, the
/// client's blocking calls on this thread. docs/testing.md shows the marked lines; .ci/package-check checks that they
/// are the same there, fewer than 25, and free of threads and waits.
/// </summary>
internal static class RetryOnResetTest
{
    public static void Run()
    {
        // <retry-on-reset>
        using var h = new Ws2Harness();
        var server = h.AddPeerListener(
            new PeerScript().Expect("PING"u8).Reset(),                  // the first connection is reset
            new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close()); // the second one answers
        var client = new RetryingClient(h.Api, server.EndPoint);

        var reply = client.Exchange("PING"u8, 4);                       // blocking calls, on this thread

        Check(Encoding.ASCII.GetString(reply) == "PONG", "the reply comes from the second connection");
        Check(client.Connections == 2, "the client retried once");
        h.AssertScriptsCompleted();
        // </retry-on-reset>
        Console.WriteLine("# retry-on-reset test passed");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new HarnessAssertionException($"Failed: {what}.");
        }
    }
}
