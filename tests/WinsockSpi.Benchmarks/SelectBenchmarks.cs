using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using WinsockSpi.Network;
using WinsockSpi.Provider;

namespace WinsockSpi.Benchmarks;

/// <summary>
/// WSPSelect polling (timeout zero, SLT-1) over a read set of 1,000 connected sockets of which 3 have data queued, and
/// over 100 (3 ready). The baseline is the floor of any select over 1,000 handles: a bare loop looking up 1,000 keys
/// in a <see cref="Dictionary{TKey, TValue}"/> and testing a flag on each. The comparison is a real
/// <see cref="System.Net.Sockets.Socket.Select(System.Collections.IList, System.Collections.IList, System.Collections.IList, int)"/>
/// over 100 loopback TCP sockets (3 with a byte waiting), the size a real set can have without tuning the process's
/// descriptor limit. Each select row refills its set first (select leaves only the ready entries), which is counted.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SelectBenchmarks
{
    private const int Large = 1_000;
    private const int Small = 100;
    private const int Ready = 3;

    private readonly Dictionary<nuint, bool> _floor = [];
    private readonly List<SocketHandle> _largeSet = new(Large);
    private readonly List<SocketHandle> _smallSet = new(Small);
    private readonly List<System.Net.Sockets.Socket> _realSet = new(Small);
    private SocketHandle[] _large = [];
    private nuint[] _floorKeys = [];
    private System.Net.Sockets.Socket[] _real = [];
    private System.Net.Sockets.Socket[] _realPeers = [];
    private ProviderRuntime _runtime = null!;
    private PeerListener _listener = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new SimulatedNetwork();
        _runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        Check.Equal(WsaError.Success, _runtime.Startup(WinsockVersion.V2_2, out _), "startup");
        _listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 5000));
        _large = new SocketHandle[Large];
        for (int i = 0; i < Large; i++)
        {
            var s = _runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            _runtime.Connect(s, _listener.EndPoint).ThrowIfFailed();
            var peer = _listener.Accept();
            if (i % (Small / Ready) == 7 && i < Small)
            {
                peer.Write("x"u8); // never read: the socket stays readable
            }

            _large[i] = s;
            _floor[s.Value] = i % (Small / Ready) == 7 && i < Small;
        }

        _floorKeys = [.. _large.Select(s => s.Value)];

        using var listener = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(Small);
        _real = new System.Net.Sockets.Socket[Small];
        _realPeers = new System.Net.Sockets.Socket[Small];
        for (int i = 0; i < Small; i++)
        {
            _real[i] = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _real[i].Connect(listener.LocalEndPoint!);
            _realPeers[i] = listener.Accept();
            if (i % (Small / Ready) == 7)
            {
                _realPeers[i].Send([42]);
            }
        }

        // The bytes must have arrived before the first measurement.
        SpinWait.SpinUntil(() => _real.Count(s => s.Available > 0) == Ready, TimeSpan.FromSeconds(10));
        Check.Equal(Ready, RealSelect100(), "real select");
        Check.Equal(Ready, Select1000(), "simulated select over 1,000");
        Check.Equal(Ready, Select100(), "simulated select over 100");
        Check.Equal(Ready, DictionaryLoop1000(), "dictionary loop");
    }

    [GlobalCleanup]
    public void Teardown()
    {
        foreach (var s in _real.Concat(_realPeers))
        {
            s.Dispose();
        }

        _runtime.Dispose();
        _listener.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Dictionary: look up 1,000 handles (floor)")]
    public int DictionaryLoop1000()
    {
        int ready = 0;
        foreach (var key in _floorKeys)
        {
            if (_floor.TryGetValue(key, out bool flag) && flag)
            {
                ready++;
            }
        }

        return ready;
    }

    [Benchmark(Description = "WSPSelect poll: 1,000 sockets, 3 ready")]
    public int Select1000()
    {
        _largeSet.Clear();
        _largeSet.AddRange(_large);
        int ready = _runtime.Select(_largeSet, null, null, TimeSpan.Zero).Value;
        Check.Equal(Ready, _largeSet.Count, "ready entries left in the set");
        return ready;
    }

    [Benchmark(Description = "WSPSelect poll: 100 sockets, 3 ready")]
    public int Select100()
    {
        _smallSet.Clear();
        for (int i = 0; i < Small; i++)
        {
            _smallSet.Add(_large[i]);
        }

        return _runtime.Select(_smallSet, null, null, TimeSpan.Zero).Value;
    }

    [Benchmark(Description = "Socket.Select poll: 100 loopback TCP sockets, 3 ready")]
    public int RealSelect100()
    {
        _realSet.Clear();
        _realSet.AddRange(_real);
        System.Net.Sockets.Socket.Select(_realSet, null, null, 0);
        return _realSet.Count;
    }
}
