using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The state one linearizability round acts on: a started provider with connected sockets and, optionally, pending
/// receives and a pending send. Operations run from several threads record what each call returned; the round is
/// linearizable when the results and the final state equal those of some sequential order of the same operations.
/// Nothing here may depend on handle values or timing: only outcomes are compared.
/// </summary>
internal sealed class LinearState
{
    private static readonly ConcurrentBag<ReliabilityRig> s_rigs = [];
    private readonly ConcurrentQueue<string> _results = new();
    private readonly ConcurrentQueue<(string Name, WsaOverlapped Overlapped, byte[] Buffer)> _operations = new();
    private readonly Lock _peerLock = new();
    private long _peerWritten;
    private long _peerRead;

    public LinearState(int sockets, int pendingReceives, bool pendingSend)
    {
        Rig = new ReliabilityRig(sendBufferSize: 8, peerBufferSize: 8);
        s_rigs.Add(Rig);
        Assert.Equal(WsaError.Success, Rig.Runtime.Startup(WinsockVersion.V2_2, out _, Rig.Upcalls));
        Handles = new SocketHandle[sockets];
        Peers = new RemotePeer[sockets];
        for (int i = 0; i < sockets; i++)
        {
            Handles[i] = Rig.Connect(out Peers[i]);
        }

        for (int i = 0; i < pendingReceives; i++)
        {
            Assert.Equal(WsaError.IOPending, Receive(0, 1).Error);
        }

        if (pendingSend)
        {
            Assert.Equal(WsaError.IOPending, Send(0, 12).Error);
        }
    }

    public ReliabilityRig Rig { get; }

    public ProviderRuntime Provider => Rig.Runtime;

    public SocketHandle[] Handles { get; }

    public RemotePeer[] Peers { get; }

    /// <summary>Disposes every rig made so far (the rounds' states are not disposed by the sampler).</summary>
    public static void DisposeAll()
    {
        while (s_rigs.TryTake(out var rig))
        {
            rig.Dispose();
        }
    }

    /// <summary>Records one call's outcome.</summary>
    public void Record(string call, string outcome) => _results.Enqueue($"{call}={outcome}");

    /// <summary>Runs a call, recording its result or the exception it threw (misuse of a dead process is still an outcome).</summary>
    public void Call(string call, Func<string> body)
    {
        string outcome;
        try
        {
            outcome = body();
        }
        catch (ObjectDisposedException)
        {
            outcome = "disposed";
        }

        Record(call, outcome);
    }

    public SpiResult<int> Receive(int socket, int length)
    {
        var buffer = new byte[length];
        var ov = new WsaOverlapped(new WsaEvent());
        _operations.Enqueue(($"recv{length}", ov, buffer));
        return Provider.Receive(Handles[socket % Handles.Length], buffer, ov);
    }

    public SpiResult<int> Send(int socket, int length)
    {
        var ov = new WsaOverlapped(new WsaEvent());
        var data = StreamPattern.Make(length, 0, 3);
        _operations.Enqueue(($"send{length}", ov, data));
        return Provider.Send(Handles[socket % Handles.Length], data, ov);
    }

    /// <summary>The peer writes the next bytes of its stream; peer-side calls are serialised, as one harness thread drives a peer.</summary>
    public int PeerWrite(int socket, int length)
    {
        lock (_peerLock)
        {
            int n = Peers[socket % Peers.Length].Write(StreamPattern.Make(length, _peerWritten, 1));
            _peerWritten += n;
            return n;
        }
    }

    /// <summary>The peer resets its connection; serialised with its writes and reads like every peer-side call.</summary>
    public string PeerReset(int socket)
    {
        lock (_peerLock)
        {
            Peers[socket % Peers.Length].Reset();
            return "ok";
        }
    }

    public string PeerRead(int socket, int length)
    {
        lock (_peerLock)
        {
            var buffer = new byte[length];
            int n = Peers[socket % Peers.Length].Read(buffer);
            _peerRead += n;
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Everything observable, in an order-free form: sorted call results, each operation's ending, counts and peers.</summary>
    public string Snapshot()
    {
        var text = new StringBuilder();
        foreach (var r in _results.Order(StringComparer.Ordinal))
        {
            text.Append(r).Append(';');
        }

        var ops = _operations.Select(o => $"{o.Name}:{o.Overlapped.Status}/{o.Overlapped.Error.ToSymbol()}/{o.Overlapped.BytesTransferred}/set{o.Overlapped.Event!.SetCount}/{Convert.ToHexString(o.Buffer, 0, o.Name.StartsWith("recv", StringComparison.Ordinal) ? o.Overlapped.BytesTransferred : 0)}");
        text.Append(" ops[").AppendJoin(',', ops.Order(StringComparer.Ordinal)).Append(']');
        text.Append(" startups=").Append(Provider.StartupCount)
            .Append(" sockets=").Append(Provider.Sockets.Count)
            .Append(" pending=").Append(Provider.Operations.PendingCount)
            .Append(" unloadReady=").Append(Provider.IsUnloadReady)
            .Append(" peerRead=").Append(_peerRead);
        foreach (var peer in Peers)
        {
            text.Append(" peer:").Append(peer.State).Append('/').Append(peer.LastError.ToSymbol()).Append('/').Append(peer.BytesReceived);
        }

        try
        {
            Provider.ValidateInvariants();
        }
        catch (InvalidOperationException e)
        {
            text.Append(" INVARIANT BROKEN: ").Append(e.Message);
        }

        return text.ToString();
    }

    public override string ToString() => Snapshot();

    /// <summary>Creates a stream socket, for the rounds that race socket creation against cleanup.</summary>
    public string NewSocket()
    {
        var created = Provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        return created.IsSuccess ? "ok" : created.Error.ToSymbol();
    }
}
