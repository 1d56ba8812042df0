using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// The parts an overlapped receive that pends and completes is made of, each called alone on the provider's own
/// internal types, next to the same lock + Dictionary baseline as <see cref="TargetBenchmarks"/>: what each costs
/// tells where the time of a missed target goes. The receive crosses each part a known number of times (the
/// per-operation accounting is in docs/performance.md).
/// </summary>
/// <remarks>Uses internals of the current provider: unlike <see cref="TargetBenchmarks"/>, it does not build against older versions.</remarks>
[MemoryDiagnoser]
[MedianColumn]
public class PathPartsBenchmarks
{
    private readonly LockedDictionaryHandleMap _lockedMap = new();
    private readonly Lock _lock = new();
    private readonly byte[] _buffer = new byte[16];
    private readonly WsaOverlapped _overlapped = new();
    private ProviderRuntime _runtime = null!;
    private ProviderSocket _socket = null!;
    private OperationRecord _record = null!;
    private ConnectionEnd _quietEnd = null!;
    private ConnectionEnd _bouncingEnd = null!;
    private int _count;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new ProviderRuntime();
        _socket = new ProviderSocket(_runtime);
        _record = _overlapped.GetOrCreateCore(OperationRecord.Create);
        var endPoint = new IPEndPoint(IPAddress.Loopback, 5000);
        var network = new SimulatedNetwork();

        // An end nobody listens to, and an end whose listener signals that quiet end, as a pump's kick of the peer does
        // from inside the signal that ran it.
        _quietEnd = new Connection(network, endPoint, endPoint, 64, 64).Initiator;
        _bouncingEnd = new Connection(network, endPoint, endPoint, 64, 64).Initiator;
        _bouncingEnd.Listener = new KickingListener(_quietEnd);
    }

    [GlobalCleanup]
    public void Teardown() => _runtime.Dispose();

    [Benchmark(Baseline = true, Description = "lock + Dictionary: add + remove")]
    public bool LockedDictionaryPair() => _lockedMap.CloseSocket(_lockedMap.Socket());

    [Benchmark(Description = "one Lock round trip")]
    public int LockRoundTrip()
    {
        lock (_lock)
        {
            return ++_count;
        }
    }

    [Benchmark(Description = "one Interlocked.CompareExchange")]
    public int CompareExchange() => Interlocked.CompareExchange(ref _count, _count + 1, _count);

    [Benchmark(Description = "operation life: TryReserve + TryClaim + SetOutcome + Publish (2 atomics)")]
    public bool OperationLife()
    {
        bool reserved = _record.TryReserve();
        bool claimed = _record.TryClaim();
        _record.SetOutcome(OperationStatus.Completed, WsaError.Success, 1, SocketFlags.None);
        _record.Publish();
        return reserved & claimed;
    }

    [Benchmark(Description = "OperationRecord.Begin")]
    public object RecordBegin()
    {
        _record.Begin(_runtime, _socket, default, OperationKind.Receive, blocking: false, routine: null);
        return _record;
    }

    [Benchmark(Description = "ConnectionEnd.Receive, empty pipe (read without the gate)")]
    public int GateReceive() => _quietEnd.Receive(_buffer, out _);

    [Benchmark(Description = "ConnectionEnd.Snapshot (one gate pass)")]
    public int GateSnapshot() => _quietEnd.Snapshot().Room;

    [Benchmark(Description = "delivery counted and made (a plain step, then 1 atomic)")]
    public int DeliveryCounters()
    {
        _socket.AddDelivery_NeedsLock();
        _socket.RemoveDelivery();
        return _socket.Deliveries;
    }

    [Benchmark(Description = "DeliveryScope.Enter + Exit")]
    public object Scope()
    {
        var notifications = default(Notifications);
        var scope = DeliveryScope.Enter(_runtime, in notifications);
        scope.Exit();
        return scope;
    }

    [Benchmark(Description = "ConnectionEnd.Signal, no listener")]
    public object SignalQuiet()
    {
        _quietEnd.Signal();
        return _quietEnd;
    }

    [Benchmark(Description = "ConnectionEnd.Signal whose listener signals another end (deferred)")]
    public object SignalNested()
    {
        _bouncingEnd.Signal();
        return _bouncingEnd;
    }

    private sealed class KickingListener(ConnectionEnd next) : IConnectionListener
    {
        public void OnConnectionChanged(ConnectionEnd end) => next.Signal();
    }
}
