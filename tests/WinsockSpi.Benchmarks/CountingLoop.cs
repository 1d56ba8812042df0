using System.Diagnostics;
using System.Globalization;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// Calls one row of <see cref="TargetBenchmarks"/> (or the simulated pair of <see cref="DatagramBenchmarks"/>) a given number of times outside BenchmarkDotNet, for an instruction
/// count under <c>valgrind --tool=callgrind</c>: the difference between two counts of different lengths, divided by the
/// difference in calls, is the instructions per call, repeatable on a machine too noisy for stable timings.
/// </summary>
internal static class CountingLoop
{
    public const string Switch = "--count";

    /// <summary>Runs <c>--count ROW CALLS</c>; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int pending = 10_000;
        if (args.Length is not (3 or 4) || !int.TryParse(args[2], CultureInfo.InvariantCulture, out int calls) || calls < 0
            || (args.Length == 4 && (args[1] != "cleanup" || !int.TryParse(args[3], CultureInfo.InvariantCulture, out pending) || pending < 1)))
        {
            Console.Error.WriteLine($"usage: {Switch} empty|lockdict|concurrentdict|socket|receive|send|datagram CALLS, or {Switch} cleanup OPERATIONS [PENDING, default 10000]");
            return 2;
        }

        if (args[1] == "datagram")
        {
            return RunDatagrams(calls);
        }

        if (args[1] == "cleanup")
        {
            return RunCleanups(calls, pending);
        }

        var rows = new TargetBenchmarks();
        Func<long>? row = args[1] switch
        {
            "empty" => () => 0, // the loop and delegate call alone, to subtract
            "lockdict" => () => rows.LockedDictionaryPair() ? 1 : 0,
            "concurrentdict" => () => rows.ConcurrentDictionaryPair() ? 1 : 0,
            "socket" => () => (long)rows.SocketClosePair(),
            "receive" => () => rows.ReceivePendComplete(),
            "send" => () => rows.SendPendComplete(),
            _ => null,
        };
        if (row is null)
        {
            Console.Error.WriteLine($"unknown row {args[1]}");
            return 2;
        }

        rows.Setup();
        long sum = 0;
        for (int i = 0; i < calls; i++)
        {
            sum += row();
        }

        rows.Teardown();
        Console.WriteLine($"{args[1]}: {calls} calls, checksum {sum}");
        return 0;
    }

    /// <summary>The simulated datagram pair of <see cref="DatagramBenchmarks"/> (WSPSendTo + WSPRecvFrom with its source).</summary>
    private static int RunDatagrams(int calls)
    {
        var rows = new DatagramBenchmarks();
        rows.Setup();
        long sum = 0;
        for (int i = 0; i < calls; i++)
        {
            sum += rows.SimulatedPair();
        }

        rows.Cleanup();
        Console.WriteLine($"datagram: {calls} calls, checksum {sum}");
        return 0;
    }

    /// <summary>
    /// The final cleanup of <see cref="CleanupBenchmarks"/> at N = PENDING (10^4 unless given), repeated until <paramref name="operations"/>
    /// pending operations have been ended, without BenchmarkDotNet's collections between iterations (a profile of the
    /// benchmark itself is mostly those). Prints the nanoseconds per operation of the cleanups alone.
    /// </summary>
    private static int RunCleanups(int operations, int pending)
    {
        var rows = new CleanupBenchmarks { N = pending };
        rows.Setup();
        long ticks = 0;
        int ended = 0;
        while (ended < operations)
        {
            rows.StartAndPend();
            long start = Stopwatch.GetTimestamp();
            Check.Equal(WsaError.Success, rows.FinalCleanup(), "cleanup");
            ticks += Stopwatch.GetTimestamp() - start;
            rows.VerifyTornDown();
            ended += rows.N;
        }

        rows.Teardown();
        double perOperation = ticks * 1e9 / Stopwatch.Frequency / ended;
        Console.WriteLine($"cleanup: {ended} operations, {perOperation:F1} ns per operation in the cleanups");
        return 0;
    }
}
