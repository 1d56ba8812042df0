using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// Every row the targets compare, in one class so that they are measured in one run and their ratios share the
/// machine's state: the floor of a one-lock table (a <see cref="Lock"/> + <see cref="Dictionary{TKey, TValue}"/>
/// add/remove pair, the baseline), two bare lock round trips, two bare test-and-set round trips (what the provider's own
/// lock, a compare-exchange to take and a store to release, costs at the least), the <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>
/// pair, WSPSocket + WSPCloseSocket (SOC-1, CLS-1), overlapped operations that pend and complete when the
/// <see cref="RemotePeer"/> acts (OVL-2, OVL-5, OVL-9), and a 1-byte send + receive over real loopback TCP.
/// Targets (docs/performance.md): Socket + CloseSocket at most 1.5 times the baseline and 0.75 times the
/// ConcurrentDictionary pair; an overlapped receive at most 2 times the baseline and 100 times faster than
/// loopback; 0 B everywhere.
/// </summary>
/// <remarks>Uses only the public surface, so the same file measures older versions of the provider.</remarks>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class TargetBenchmarks
{
    private const int SendBufferSize = 64;

    private readonly Lock _floorLock = new();
    private readonly LockedDictionaryHandleMap _lockedMap = new();
    private readonly DictionaryHandleMap _concurrentMap = new();
    private readonly byte[] _one = [42];
    private readonly byte[] _receiveBuffer = new byte[16];
    private readonly byte[] _peerBuffer = new byte[1];
    private readonly WsaOverlapped _receiveOverlapped = new();
    private readonly WsaOverlapped _sendOverlapped = new();
    private int _floorCount;
    private int _floorHeld;
    private ProviderRuntime _runtime = null!;
    private PeerListener _listener = null!;
    private SocketHandle _receiveSocket;
    private SocketHandle _sendSocket;
    private RemotePeer _receivePeer = null!;
    private RemotePeer _sendPeer = null!;
    private System.Net.Sockets.Socket _loopbackClient = null!;
    private System.Net.Sockets.Socket _loopbackServer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new SimulatedNetwork();
        _runtime = new ProviderRuntime(new ProviderOptions { Network = network, SendBufferSize = SendBufferSize });
        Check.Equal(WsaError.Success, _runtime.Startup(WinsockVersion.V2_2, out _), "startup");
        _listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 5000));
        (_receiveSocket, _receivePeer) = Connect();
        (_sendSocket, _sendPeer) = Connect();

        // Fill the send buffer: from here on every overlapped send pends until the peer reads (OVL-9).
        Check.Equal(SendBufferSize, _runtime.Send(_sendSocket, new byte[SendBufferSize]).Value, "filling send");

        using var listener = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _loopbackClient = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _loopbackClient.Connect(listener.LocalEndPoint!);
        _loopbackServer = listener.Accept();
        _loopbackServer.NoDelay = true;
    }

    [GlobalCleanup]
    public void Teardown()
    {
        Check.Equal(0, _runtime.Operations.PendingCount, "pending operations left");
        Check.Equal(2, _runtime.Sockets.Count, "provider sockets left besides the two connected ones");
        Check.Equal(0, _lockedMap.Count, "locked map handles left");
        Check.Equal(0, _concurrentMap.Count, "concurrent map handles left");
        _loopbackClient.Dispose();
        _loopbackServer.Dispose();
        _runtime.Dispose();
        _listener.Dispose();
    }

    [Benchmark(Baseline = true, Description = "lock + Dictionary: add + remove")]
    public bool LockedDictionaryPair() => _lockedMap.CloseSocket(_lockedMap.Socket());

    [Benchmark(Description = "two lock round trips (floor)")]
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

    [Benchmark(Description = "two test-and-set round trips (floor of the provider's lock)")]
    public int TestAndSetPair()
    {
        // The uncontended path of the provider's lock (SpinGate, internal): one compare-exchange in, one store out.
        if (Interlocked.CompareExchange(ref _floorHeld, 1, 0) != 0)
        {
            throw new InvalidOperationException("contended");
        }

        _floorCount++;
        Volatile.Write(ref _floorHeld, 0);
        if (Interlocked.CompareExchange(ref _floorHeld, 1, 0) != 0)
        {
            throw new InvalidOperationException("contended");
        }

        int count = --_floorCount;
        Volatile.Write(ref _floorHeld, 0);
        return count;
    }

    [Benchmark(Description = "ConcurrentDictionary: add + remove")]
    public bool ConcurrentDictionaryPair() => _concurrentMap.CloseSocket(_concurrentMap.Socket());

    [Benchmark(Description = "Socket + CloseSocket")]
    public WsaError SocketClosePair()
    {
        var created = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        return created.IsSuccess ? _runtime.CloseSocket(created.Value).Error : created.Error;
    }

    [Benchmark(Description = "overlapped receive: pend, peer writes, complete")]
    public int ReceivePendComplete()
    {
        var started = _runtime.Receive(_receiveSocket, _receiveBuffer, _receiveOverlapped);
        _receivePeer.Write(_one);
        Check.Equal(WsaError.IOPending, started.Error, "receive start");
        Check.Equal(OperationStatus.Completed, _receiveOverlapped.Status, "receive outcome");
        return _receiveOverlapped.BytesTransferred;
    }

    [Benchmark(Description = "overlapped send: pend on full buffer, peer reads, complete")]
    public int SendPendComplete()
    {
        var started = _runtime.Send(_sendSocket, _one, _sendOverlapped);
        _sendPeer.Read(_peerBuffer);
        Check.Equal(WsaError.IOPending, started.Error, "send start");
        Check.Equal(OperationStatus.Completed, _sendOverlapped.Status, "send outcome");
        return _sendOverlapped.BytesTransferred;
    }

    [Benchmark(Description = "loopback TCP: 1-byte send + receive")]
    public int LoopbackSendReceive()
    {
        _loopbackClient.Send(_one);
        return _loopbackServer.Receive(_peerBuffer);
    }

    private (SocketHandle Socket, RemotePeer Peer) Connect()
    {
        var socket = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        _runtime.Connect(socket, _listener.EndPoint).ThrowIfFailed();
        return (socket, _listener.Accept());
    }
}
