using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// The final WSPCleanup with <see cref="N"/> overlapped receives pending, spread over N/1000 connected sockets
/// (CLN-4, CLN-6, CLN-8): only the cleanup is measured, the startup, connections and receives are set up before each
/// invocation. The baseline ends the same operations by closing every socket first (CLS-2: aborted and notified),
/// then cleans up. Targets: at most 20 ns per operation, linear growth, no allocation per operation. Each invocation
/// needs a fresh setup, so the job is fixed at one invocation per iteration and a bounded number of iterations.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
[InvocationCount(1)]
[WarmupCount(2)]
[IterationCount(15)]
public class CleanupBenchmarks
{
    private const int OperationsPerSocket = 1000;

    private readonly byte[] _buffer = new byte[16];
    private ProviderRuntime _runtime = null!;
    private PeerListener _listener = null!;
    private WsaOverlapped[] _operations = [];
    private SocketHandle[] _sockets = [];

    /// <summary>
    /// Gets or sets the number of pending overlapped receives when the cleanup runs. N = 1 prices what a final cleanup
    /// costs besides its operations (one socket torn down, the provider's own teardown): the floor that N = 1,000 divides
    /// by a thousand.
    /// </summary>
    [Params(1, 1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var network = new SimulatedNetwork();
        _runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        _listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 5000));
        _operations = new WsaOverlapped[N];
        for (int i = 0; i < _operations.Length; i++)
        {
            _operations[i] = new WsaOverlapped();
        }

        _sockets = new SocketHandle[(N + OperationsPerSocket - 1) / OperationsPerSocket];
    }

    [GlobalCleanup]
    public void Teardown()
    {
        _runtime.Dispose();
        _listener.Dispose();
    }

    [IterationSetup]
    public void StartAndPend()
    {
        Check.Equal(WsaError.Success, _runtime.Startup(WinsockVersion.V2_2, out _), "startup");
        for (int i = 0; i < _sockets.Length; i++)
        {
            var socket = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            _runtime.Connect(socket, _listener.EndPoint).ThrowIfFailed();
            _sockets[i] = socket;
        }

        while (_listener.TryAccept(out _))
        {
            // The peers are not driven: the receives stay pending.
        }

        for (int i = 0; i < _operations.Length; i++)
        {
            var started = _runtime.Receive(_sockets[i / OperationsPerSocket], _buffer, _operations[i]);
            Check.Equal(WsaError.IOPending, started.Error, "receive start");
        }

        Check.Equal(N, _runtime.Operations.PendingCount, "pending before cleanup");
    }

    [IterationCleanup]
    public void VerifyTornDown()
    {
        Check.Equal(true, _runtime.IsUnloadReady, "unload ready after the final cleanup");
        Check.Equal(WsaError.OperationAborted, _operations[0].Error, "first operation");
        Check.Equal(WsaError.OperationAborted, _operations[^1].Error, "last operation");
    }

    [Benchmark(Baseline = true, Description = "CloseSocket each socket (notified), then Cleanup")]
    public WsaError CloseEachThenCleanup()
    {
        foreach (var socket in _sockets)
        {
            _runtime.CloseSocket(socket);
        }

        return _runtime.Cleanup().Error;
    }

    [Benchmark(Description = "final Cleanup")]
    public WsaError FinalCleanup() => _runtime.Cleanup().Error;

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(PerOperationColumn.Time, PerOperationColumn.Allocation);
    }
}
