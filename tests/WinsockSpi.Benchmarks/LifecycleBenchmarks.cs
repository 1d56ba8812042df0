using BenchmarkDotNet.Attributes;
using WinsockSpi.Provider;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// A non-final WSPStartup + WSPCleanup pair (STA-4, CLN-3): the runtime is held at count 1 so the pair only
/// counts up and down. The baseline is the floor any one-lock design pays: two uncontended lock round trips.
/// </summary>
[MemoryDiagnoser]
public class LifecycleBenchmarks
{
    private readonly Lock _floorLock = new();
    private int _floorCount;
    private ProviderRuntime _runtime = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new ProviderRuntime();
        Check.Equal(WsaError.Success, _runtime.Startup(WinsockVersion.V2_2, out _), "startup");
    }

    [GlobalCleanup]
    public void Teardown()
    {
        Check.Equal(1, _runtime.StartupCount, "count held at 1");
        _runtime.Dispose();
    }

    [Benchmark(Baseline = true, Description = "two lock round trips (floor)")]
    public int LockPair()
    {
        lock (_floorLock)
        {
            _floorCount++;
        }

        lock (_floorLock)
        {
            return --_floorCount;
        }
    }

    [Benchmark(Description = "Startup + non-final Cleanup")]
    public WsaError StartupCleanup()
    {
        var started = _runtime.Startup(WinsockVersion.V2_2, out _);
        var cleaned = _runtime.Cleanup();
        return started | cleaned.Error;
    }
}
