using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using WinsockSpi.Provider;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// WSPSocket + WSPCloseSocket on a started provider (SOC-1, CLS-1), against the same pair on a handle map built on
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>. Targets: at most 40 ns, at most
/// half the baseline, 0 B per pair.
/// </summary>
[MemoryDiagnoser]
public class SocketTableBenchmarks
{
    private readonly DictionaryHandleMap _map = new();
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
        Check.Equal(0, _runtime.Sockets.Count, "provider sockets left");
        Check.Equal(0, _map.Count, "map handles left");
        _runtime.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrentDictionary map: add + remove")]
    public bool DictionaryPair() => _map.CloseSocket(_map.Socket());

    [Benchmark(Description = "Socket + CloseSocket")]
    public WsaError SocketClosePair()
    {
        var created = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        return created.IsSuccess ? _runtime.CloseSocket(created.Value).Error : created.Error;
    }
}
