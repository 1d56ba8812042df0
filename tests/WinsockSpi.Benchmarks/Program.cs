using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Run with a filter, for example: dotnet run -c Release --project tests/WinsockSpi.Benchmarks -- --filter '*SocketTable*'
// The generated benchmark project may take minutes to build on a busy machine: the build timeout is raised.
var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
BenchmarkSwitcher.FromAssembly(typeof(WinsockSpi.Benchmarks.LifecycleBenchmarks).Assembly).Run(args, config);
