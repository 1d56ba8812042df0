using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Run with a filter, for example: dotnet run -c Release --project tests/WinsockSpi.Benchmarks -- --filter '*SocketTable*'
// The generated benchmark project may take minutes to build on a busy machine: the build timeout is raised.
if (args.Length > 0 && args[0] == WinsockSpi.Benchmarks.CountingLoop.Switch)
{
    // Not a benchmark run: a plain loop over one row, for an instruction count (see CountingLoop).
    return WinsockSpi.Benchmarks.CountingLoop.Run(args);
}

var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
BenchmarkSwitcher.FromAssembly(typeof(WinsockSpi.Benchmarks.LifecycleBenchmarks).Assembly).Run(args, config);
return 0;
