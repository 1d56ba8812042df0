using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// One datagram sent and received (DGM-1): WSPSendTo from one simulated socket to another, then WSPRecvFrom with its
/// source address; the same with the receive posted first as an overlapped WSPRecvFrom that the send completes
/// (DGM-5); and, as the baseline in the same run, a 1-byte datagram over a real loopback UDP pair
/// (<see cref="System.Net.Sockets.Socket"/>, 127.0.0.1, the allocation-free <see cref="SocketAddress"/> overloads).
/// Target (docs/performance.md): the simulated pair at least 50 times faster than the real one, 0 B per pair.
/// </summary>
/// <remarks>Uses only the public surface.</remarks>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class DatagramBenchmarks
{
    private readonly byte[] _one = [42];
    private readonly byte[] _buffer = new byte[16];
    private readonly SourceAddress _from = new();
    private readonly WsaOverlapped _receiveOverlapped = new();
    private ProviderRuntime _runtime = null!;
    private SocketHandle _sender;
    private SocketHandle _receiver;
    private SocketHandle _otherReceiver;
    private EndPoint _receiverAddress = null!;
    private EndPoint _otherReceiverAddress = null!;
    private System.Net.Sockets.Socket _udpClient = null!;
    private System.Net.Sockets.Socket _udpServer = null!;
    private SocketAddress _udpServerAddress = null!;
    private SocketAddress _udpSource = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new ProviderRuntime();
        Check.Equal(WsaError.Success, _runtime.Startup(WinsockVersion.V2_2, out _), "startup");
        _sender = Bound(out _);
        _receiver = Bound(out _receiverAddress);
        _otherReceiver = Bound(out _otherReceiverAddress);

        _udpServer = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udpServer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _udpClient = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udpClient.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _udpServerAddress = _udpServer.LocalEndPoint!.Serialize();
        _udpSource = new SocketAddress(AddressFamily.InterNetwork);
        Check.Equal(1, SimulatedPair(), "one simulated pair");
        Check.Equal(1, OverlappedPair(), "one overlapped pair");
        Check.Equal(2, AlternatingPairs(), "two alternating pairs");
        Check.Equal(1, LoopbackUdpPair(), "one loopback UDP pair");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.Dispose();
        _udpClient.Dispose();
        _udpServer.Dispose();
    }

    [Benchmark(Baseline = true, Description = "loopback UDP: 1-byte SendTo + ReceiveFrom")]
    public int LoopbackUdpPair()
    {
        _udpClient.SendTo(_one, SocketFlags.None, _udpServerAddress);
        return _udpServer.ReceiveFrom(_buffer, SocketFlags.None, _udpSource);
    }

    [Benchmark(Description = "SendTo + ReceiveFrom (1 byte, with source)")]
    public int SimulatedPair()
    {
        _runtime.SendTo(_sender, _one, _receiverAddress);
        var received = _runtime.ReceiveFrom(_receiver, _buffer, _from);
        return received.IsSuccess && _from.EndPoint is not null ? received.Value : -1;
    }

    [Benchmark(Description = "overlapped ReceiveFrom: pend, SendTo, complete")]
    public int OverlappedPair()
    {
        var started = _runtime.ReceiveFrom(_receiver, _buffer, _from, _receiveOverlapped);
        _runtime.SendTo(_sender, _one, _receiverAddress);
        return started.Error == WsaError.IOPending && _receiveOverlapped.IsCompleted ? _receiveOverlapped.BytesTransferred : -1;
    }

    [Benchmark(OperationsPerInvoke = 2, Description = "SendTo + ReceiveFrom, the destination alternating between two sockets")]
    public int AlternatingPairs()
    {
        // Each send goes elsewhere than the last, so the sender's remembered route never matches (a lookup under the network's lock).
        _runtime.SendTo(_sender, _one, _otherReceiverAddress);
        var first = _runtime.ReceiveFrom(_otherReceiver, _buffer, _from);
        _runtime.SendTo(_sender, _one, _receiverAddress);
        var second = _runtime.ReceiveFrom(_receiver, _buffer, _from);
        return first.IsSuccess && second.IsSuccess ? first.Value + second.Value : -1;
    }

    private SocketHandle Bound(out EndPoint address)
    {
        var s = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).Value;
        Check.Equal(WsaError.Success, _runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).Error, "bind");
        address = _runtime.GetSockName(s).Value;
        return s;
    }
}
