// A chain of two layered providers over the base provider, loaded in two processes on one network:
// app -> counting layer -> pass-through layer -> base provider (ProviderRuntime).
// It prints each level's WSPStartup/WSPCleanup count as the processes start and clean up (LSP-1), then what each
// layer saw when a process's final cleanup met a pending overlapped receive: the receive ends with
// WSA_OPERATION_ABORTED (995) and nothing is notified, so no upcall travels back up the chain (CLN-4).
// It exits with 1 if anything it shows does not hold.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LayeredProviderSample;
using WinsockSpi.Samples;
using WinsockSpi;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

var failures = new List<string>();
void Check(bool condition, string what)
{
    if (!condition)
    {
        failures.Add(what);
    }
}

SampleTrace.Start(args);
var network = SampleTrace.Attach(new SimulatedNetwork());
var a = new Chain("A", new SimulatedProcess(network));
var b = new Chain("B", new SimulatedProcess(network));

Console.WriteLine("Two processes, each with: app -> counting layer -> pass-through layer -> base provider");
Console.WriteLine();
var table = new CountTable(a, b, network);
CountTable.PrintHeader();
table.Row("(loaded, nothing started)");

Check(a.Top.Startup(WinsockVersion.V2_2, out _, a.Upcalls) == WsaError.Success, "A's first WSPStartup succeeds");
table.Row("A: WSPStartup");
Check(a.Top.Startup(WinsockVersion.V2_2, out _, a.Upcalls) == WsaError.Success, "A's second WSPStartup succeeds");
table.Row("A: WSPStartup again");
Check(a.Base.StartupCount == 1 && a.Middle.StartupCount == 1 && a.Top.StartupCount == 2, "A: only the top count moves on a second startup (LSP-1)");
Check(b.Top.Startup(WinsockVersion.V2_2, out _, b.Upcalls) == WsaError.Success, "B's WSPStartup succeeds");
table.Row("B: WSPStartup");
Check(a.Top.Cleanup().IsSuccess, "A's non-final WSPCleanup succeeds");
table.Row("A: WSPCleanup (non-final)");
Check(a.Base.StartupCount == 1 && a.Top.StartupCount == 1, "A: a non-final cleanup only decrements the top count (CLN-3)");

// A listens, B connects across the network, and B sends through its chain.
var listener = a.Top.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
a.Top.Bind(listener, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
a.Top.Listen(listener, 5).ThrowIfFailed();
var endPoint = a.Top.GetSockName(listener).ThrowIfFailed();
var bSocket = b.Top.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
b.Top.Connect(bSocket, endPoint).ThrowIfFailed();
var aSocket = a.Top.Accept(listener).ThrowIfFailed();
Check(b.Top.Send(bSocket, "hello, layers"u8.ToArray()).Value == 13, "B sends 13 bytes");
var buffer = new byte[64];
Check(a.Top.Receive(aSocket, buffer).Value == 13, "A receives them");
Check(b.Counting.BytesSent == 13 && a.Counting.BytesReceived == 13, "the counting layers counted 13 bytes each way");

// Both ends post an overlapped receive with an event; nothing will be sent, so both pend.
foreach (var layer in new[] { a.Counting, a.PassThrough, b.Counting, b.PassThrough })
{
    layer.ClearLog();
}

var aPending = new WsaOverlapped(new WsaEvent());
Check(a.Top.Receive(aSocket, buffer, aPending).Error == WsaError.IOPending, "A's overlapped receive pends");
var bPending = new WsaOverlapped(new WsaEvent());
Check(b.Top.Receive(bSocket, buffer, bPending).Error == WsaError.IOPending, "B's overlapped receive pends");

Check(b.Top.Cleanup().IsSuccess, "B's final WSPCleanup succeeds");
table.Row("B: WSPCleanup (final)");
var aSawOfTheReset = new[] { a.Counting, a.PassThrough }.Select(l => (l.Name, l.Log)).ToArray();
Check(b.Base.StartupCount == 0 && b.Middle.StartupCount == 0 && b.Base.IsUnloadReady, "B: the final cleanup reached the base, which is ready to unload (LSP-1, CLN-8)");
Check(a.Top.Cleanup().IsSuccess, "A's final WSPCleanup succeeds");
table.Row("A: WSPCleanup (final)");
Check(a.Base.StartupCount == 0 && a.Base.IsUnloadReady, "A: every level is back to 0");
Check(network.GetClientProcessCount(ProviderOptions.DefaultProviderId) == 0, "no process holds the base provider any more");
Check(a.Top.LowerStartups == a.Top.LowerCleanups && a.Middle.LowerStartups == a.Middle.LowerCleanups, "A: each layer cleaned up its lower provider as often as it started it (LSP-1)");

Console.WriteLine();
Console.WriteLine("What B's layers saw of its final cleanup while an overlapped receive was pending:");
foreach (var layer in new[] { b.Counting, b.PassThrough })
{
    Console.WriteLine($"  {layer.Name}:");
    foreach (var line in layer.Log)
    {
        Console.WriteLine($"    {line}");
    }

    Console.WriteLine(layer.Upcalls == 0 ? "    (no upcall: the aborted receive is not notified)" : $"    ({layer.Upcalls} upcalls)");
}

Console.WriteLine();
Console.WriteLine("What A's layers saw meanwhile (A is alive; its connection to B was reset):");
foreach (var (name, log) in aSawOfTheReset)
{
    Console.WriteLine($"  {name}:");
    foreach (var line in log)
    {
        Console.WriteLine($"    {line}");
    }
}

int queued = b.Process.GetQueuedApcCount(WsaThreadId.Current);
Console.WriteLine();
Console.WriteLine($"  B's pending receive: status {(int)bPending.Error} ({bPending.Error.ToSymbol()}), event set: {bPending.Event!.IsSet}, upcalls that reached the app: {b.Upcalls.Completions}, APCs queued: {queued}");
Console.WriteLine($"  A's pending receive on the other end: status {(int)aPending.Error} ({aPending.Error.ToSymbol()}), event set: {aPending.Event!.IsSet}");
Check((int)bPending.Error == 995 && !bPending.Event.IsSet, "B's pending receive reads 995 and its event was not set (CLN-4)");
Check(b.Counting.Upcalls == 0 && b.PassThrough.Upcalls == 0 && b.Upcalls.Completions == 0 && queued == 0, "no upcall travelled up B's chain (CLN-4)");
Check(b.Counting.Log.Count == 2 && b.Counting.Log[0].EndsWith("WSA_IO_PENDING", StringComparison.Ordinal) && b.Counting.Log[1].StartsWith("WSPCleanup", StringComparison.Ordinal), "B's counting layer saw the pending receive, then the cleanup, and nothing else");
Check(aSawOfTheReset.All(l => l.Log.Any(line => line.Contains("WPUCompleteOverlappedRequest: WSAECONNRESET", StringComparison.Ordinal))), "A's layers saw the reset's completion upcall");
Check(aPending.Error == WsaError.ConnectionReset && aPending.Event!.IsSet, "A, still alive, saw the reset and was notified (CLN-6, OVL-8)");

Console.WriteLine();
SampleTrace.Print();
if (failures.Count > 0)
{
    foreach (var failure in failures)
    {
        Console.WriteLine($"DOES NOT HOLD: {failure}");
    }

    return 1;
}

Console.WriteLine("Everything shown holds.");
return 0;

/// <summary>One process's chain: base provider, pass-through layer, counting layer on top, and the app's upcall table.</summary>
internal sealed class Chain
{
    public Chain(string name, SimulatedProcess process)
    {
        Name = name;
        Process = process;
        Base = new ProviderRuntime(new ProviderOptions { Process = process, MaxProcesses = 2 });
        PassThrough = new LoggingLayer($"{name}'s pass-through layer");
        Counting = new LoggingLayer($"{name}'s counting layer");
        Middle = new LayeredProvider(Base, new LayeredProviderOptions { Description = "pass-through layer", Interceptor = PassThrough });
        Top = new LayeredProvider(Middle, new LayeredProviderOptions { Description = "counting layer", Interceptor = Counting });
        Upcalls = new CountingUpcalls(process);
    }

    public string Name { get; }

    public SimulatedProcess Process { get; }

    public ProviderRuntime Base { get; }

    public LayeredProvider Middle { get; }

    public LayeredProvider Top { get; }

    public LoggingLayer PassThrough { get; }

    public LoggingLayer Counting { get; }

    public CountingUpcalls Upcalls { get; }
}

/// <summary>The app's upcall table (what ws2_32 supplies), counting the completions that reach it.</summary>
internal sealed class CountingUpcalls(SimulatedProcess process) : IUpcalls
{
    private readonly ProcessUpcalls _inner = new(process);

    /// <inheritdoc/>
    public BlockingCallback? QueryBlockingCallback() => _inner.QueryBlockingCallback();

    /// <inheritdoc/>
    public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam) => _inner.PostMessage(window, message, wParam, lParam);

    /// <inheritdoc/>
    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context) => _inner.QueueApc(thread, routine, context);

    private int _completions;

    public int Completions => Volatile.Read(ref _completions);

    public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        Interlocked.Increment(ref _completions);
        return _inner.CompleteOverlappedRequest(in completion);
    }
}

/// <summary>Prints each level's count as an aligned table.</summary>
internal sealed class CountTable(Chain a, Chain b, SimulatedNetwork network)
{
    public static void PrintHeader()
    {
        Console.WriteLine(Line("step", "A:counting", "A:pass", "A:base", "B:counting", "B:pass", "B:base", "processes"));
        Console.WriteLine(new string('-', 28) + "-+-" + new string('-', 24) + "-+-" + new string('-', 24) + "-+-" + new string('-', 9));
    }

    public void Row(string step) => Console.WriteLine(Line(
        step,
        a.Top.StartupCount,
        a.Middle.StartupCount,
        a.Base.StartupCount,
        b.Top.StartupCount,
        b.Middle.StartupCount,
        b.Base.StartupCount,
        network.GetClientProcessCount(ProviderOptions.DefaultProviderId)));

    private static string Line(string step, object aTop, object aMiddle, object aBase, object bTop, object bMiddle, object bBase, object processes)
        => string.Create(CultureInfo.InvariantCulture, $"{step,-28} | {aTop,10} {aMiddle,6} {aBase,6} | {bTop,10} {bMiddle,6} {bBase,6} | {processes,9}");
}
