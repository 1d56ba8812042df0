// A tour of the WSPStartup/WSPCleanup lifecycle of one provider in one process (SEMANTICS.md sections 2 and 3):
// version negotiation, the startup reference count, and what becomes of a socket handle across a restart.
// Every value printed is also checked: the program exits with 1 when the simulator does not behave as shown.
using System.Net.Sockets;
using WinsockSpi.Samples;
using WinsockSpi;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

// ---- 1. Version negotiation -------------------------------------------------------------------------------
SampleTrace.Start(args);

Console.WriteLine("1. Version negotiation (STA-1, STA-2, STA-4)");
Console.WriteLine("   A provider supports a range [lowest, highest]. A request >= lowest succeeds with");
Console.WriteLine("   wVersion = min(highest, requested) and wHighVersion = highest; a lower one fails and");
Console.WriteLine("   counts nothing. WSPStartup returns the error code itself (STA-1), where WSPCleanup and");
Console.WriteLine("   the other calls return SOCKET_ERROR (-1) and report the code separately (CLN-1).");
var versions = new Table("provider", "WSPStartup(requested)", "returns", "WSA symbol", "wVersion", "wHighVersion", "count after");
Negotiate("2.2..2.2", WinsockVersion.V2_2, WinsockVersion.V2_2, WinsockVersion.V2_2, WsaError.Success, WinsockVersion.V2_2);
Negotiate("2.2..2.2", WinsockVersion.V2_2, WinsockVersion.V2_2, WinsockVersion.V2_0, WsaError.VersionNotSupported, default);
Negotiate("2.2..2.2", WinsockVersion.V2_2, WinsockVersion.V2_2, new WinsockVersion(3, 0), WsaError.Success, WinsockVersion.V2_2);
Negotiate("1.1..2.2", WinsockVersion.V1_1, WinsockVersion.V2_2, WinsockVersion.V2_0, WsaError.Success, WinsockVersion.V2_0);
versions.Print();

// ---- 2. The reference count -------------------------------------------------------------------------------
Console.WriteLine("2. Reference counting (STA-4, CLN-2, CLN-3)");
Console.WriteLine("   Each successful startup counts one; each cleanup drops one. Only the final cleanup");
Console.WriteLine("   tears down; one more cleanup fails with WSANOTINITIALISED and changes nothing.");
using (var runtime = SampleTrace.Attach(new ProviderRuntime()))
{
    var counting = new Table("call", "returns", "WSA symbol", "count after", "note");
    for (int expected = 1; expected <= 3; expected++)
    {
        var error = runtime.Startup(WinsockVersion.V2_2, out _);
        counting.Add("WSPStartup(2.2)", (int)error, error.ToSymbol(), runtime.StartupCount, null);
        Claims.Check(error == WsaError.Success && runtime.StartupCount == expected, $"startup #{expected} counts {expected}");
    }

    for (int expected = 2; expected >= 0; expected--)
    {
        var result = runtime.Cleanup();
        counting.Add("WSPCleanup()", Returns(result), result.Error.ToSymbol(), runtime.StartupCount,
            expected > 0 ? "only decrements (CLN-3)" : "final: tears everything down");
        Claims.Check(result.IsSuccess && runtime.StartupCount == expected, $"a cleanup leaves the count at {expected}");
    }

    var extra = runtime.Cleanup();
    counting.Add("WSPCleanup()", Returns(extra), extra.Error.ToSymbol(), runtime.StartupCount, "unbalanced: nothing changes (CLN-2)");
    Claims.Check(extra.Error == WsaError.NotInitialized && runtime.StartupCount == 0, "an extra cleanup fails with WSANOTINITIALISED");
    counting.Print();
}

// ---- 3. A handle that goes stale across a restart ---------------------------------------------------------
Console.WriteLine("3. A stale handle across a restart (STA-8, CLN-10)");
Console.WriteLine("   After the final cleanup an old handle gives WSANOTINITIALISED; after a new startup it gives");
Console.WriteLine("   WSAENOTSOCK. A new socket may reuse the old table slot, but a handle also carries the slot's");
Console.WriteLine("   generation, so its value differs and the old handle can never reach the new socket.");
using (var runtime = SampleTrace.Attach(new ProviderRuntime()))
{
    var stale = new Table("call", "returns", "WSA symbol", "note");
    var started = runtime.Startup(WinsockVersion.V2_2, out _);
    stale.Add("WSPStartup(2.2)", (int)started, started.ToSymbol(), null);

    var first = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    var oldHandle = first.GetValueOrDefault(SocketHandle.Invalid);
    stale.Add("WSPSocket() -> old", oldHandle, first.Error.ToSymbol(), "the handle we keep");

    var cleanup = runtime.Cleanup();
    stale.Add("WSPCleanup()", Returns(cleanup), cleanup.Error.ToSymbol(), "final: the old socket is gone");

    var beforeRestart = runtime.CloseSocket(oldHandle);
    stale.Add("WSPCloseSocket(old)", Returns(beforeRestart), beforeRestart.Error.ToSymbol(), "count is 0 (STA-8)");
    Claims.Check(beforeRestart.Error == WsaError.NotInitialized, "the old handle gives WSANOTINITIALISED before the restart");

    var restarted = runtime.Startup(WinsockVersion.V2_2, out _);
    stale.Add("WSPStartup(2.2)", (int)restarted, restarted.ToSymbol(), "a new start, empty tables");

    var second = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    var newHandle = second.GetValueOrDefault(SocketHandle.Invalid);
    stale.Add("WSPSocket() -> new", newHandle, second.Error.ToSymbol(), "a new socket");

    var afterRestart = runtime.CloseSocket(oldHandle);
    stale.Add("WSPCloseSocket(old)", Returns(afterRestart), afterRestart.Error.ToSymbol(), "stale: not a socket (CLN-10)");
    Claims.Check(afterRestart.Error == WsaError.NotSocket, "the old handle gives WSAENOTSOCK after the restart");

    bool newStillOpen = runtime.Sockets.Contains(newHandle);
    stale.Add("new socket still open?", newStillOpen ? "yes" : "no", null, "closing old did not close new");
    Claims.Check(newStillOpen && newHandle != oldHandle, "the stale handle does not alias the new socket");

    var closeNew = runtime.CloseSocket(newHandle);
    stale.Add("WSPCloseSocket(new)", Returns(closeNew), closeNew.Error.ToSymbol(), null);
    var last = runtime.Cleanup();
    stale.Add("WSPCleanup()", Returns(last), last.Error.ToSymbol(), runtime.IsUnloadReady ? "ready to unload (CLN-8)" : "NOT ready to unload");
    Claims.Check(closeNew.IsSuccess && last.IsSuccess && runtime.IsUnloadReady, "the new socket closes and the provider unloads cleanly");
    stale.Print();

    Console.WriteLine($"   old = {oldHandle}, new = {newHandle}: different values, so a stale handle never aliases.");
    Console.WriteLine();
}

SampleTrace.Print();
return Claims.Report();

// The C return value of a call that reports its error separately: 0, or SOCKET_ERROR (-1).
static string Returns(SpiResult result) => result.IsSuccess ? "0" : "SOCKET_ERROR";

// Starts a fresh provider supporting [lowest, highest] with one request, shows the outcome, and cleans up after a
// success: even a caller that rejects the returned wVersion must call cleanup once (STA-5).
void Negotiate(string range, WinsockVersion lowest, WinsockVersion highest, WinsockVersion requested, WsaError expected, WinsockVersion expectedVersion)
{
    using var runtime = SampleTrace.Attach(new ProviderRuntime(new ProviderOptions { LowestVersion = lowest, HighestVersion = highest }));
    var error = runtime.Startup(requested, out var data);
    int count = runtime.StartupCount;
    bool ok = error == WsaError.Success;
    versions.Add(range, $"{requested} (word 0x{requested.ToWord():X4})", (int)error, error.ToSymbol(),
        ok ? data.Version : "-", ok ? data.HighVersion : "-", count);
    Claims.Check(error == expected, $"{requested} on a {range} provider gives {expected.ToSymbol()}");
    Claims.Check(!ok || (data.Version == expectedVersion && data.HighVersion == highest), $"{requested} on a {range} provider gives {expectedVersion}/{highest}");
    Claims.Check(count == (ok ? 1 : 0), $"only a successful startup counts ({requested} on {range})");
    if (ok)
    {
        runtime.Cleanup();
    }
}
