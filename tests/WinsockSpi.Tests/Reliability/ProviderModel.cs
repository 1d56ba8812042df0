using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The reference model of a provider (a <see cref="ProviderRuntime"/>, or a <see cref="Layering.LayeredProvider"/> over
/// one): the startup count, the live handles, each overlapped operation's outcome, the notifications per channel (event,
/// completion routine, completion port, event select) and the bytes delivered each way. <see cref="Run"/> plays a
/// sequence of steps against a fresh rig; every call's result and, after every step, the whole observable state must
/// agree with the model, and the provider's own bookkeeping must hold (<c>ValidateInvariants</c>).
/// </summary>
internal sealed partial class ProviderModel : IDisposable
{
    private readonly ReliabilityRig _rig;
    private readonly CompletionPort _port;
    private readonly List<ModelSocket> _sockets = [];
    private readonly List<ModelConnection> _connections = [];
    private readonly List<ModelOperation> _operations = [];
    private readonly List<ModelEvent> _events = [];
    private readonly List<SocketHandle> _staleHandles = [];
    private readonly List<(WsaEvent Event, int Count)> _silencedSelects = [];
    private int _count;
    private int _salt;
    private readonly List<(WsaOverlapped Overlapped, int Bytes, WsaError Status)> _packets = [];

    private bool _loaded;

    private ProviderModel(bool layered, bool sharedLower, bool ws2)
    {
        _rig = new ReliabilityRig(sendBufferSize: 48, peerBufferSize: 40, layered, sharedLower, ws2);
        _port = new CompletionPort(_rig.Time);
        SharedLower = sharedLower;
    }

    private bool SharedLower { get; }

    private IWspProvider Provider => _rig.Provider;

    /// <summary>The provider that holds the sockets: the rig's, or the one the Ws2 layer has loaded (none before the first socket).</summary>
    private ProviderRuntime? BaseProvider => _rig.Ws2 is null ? _rig.Runtime : _loaded ? _rig.Loaded : null;

    /// <summary>Plays <paramref name="steps"/> on a fresh provider and checks every step; ends with the process's death (PRC-2).</summary>
    /// <returns>The number of steps played (the sequence plus the closing process end).</returns>
    public static int Run(ModelCommand[] steps, bool layered, bool sharedLower = false, bool ws2 = false, ModelTally? tally = null)
    {
        using var model = new ProviderModel(layered, sharedLower, ws2);
        Assert.Equal(WsaError.Success, model.Provider.Startup(WinsockVersion.V2_2, out _, model._rig.Upcalls));
        model._count = 1;
        model.CheckAll("start");
        for (int i = 0; i < steps.Length; i++)
        {
            var label = $"step {i} {steps[i]}";
            model.Play(steps[i], label);
            model.CheckAll(label);
        }

        model.EndProcess();
        foreach (var op in model._operations)
        {
            tally?.Add(op.Status, op.Notified, op.Bytes);
        }

        return steps.Length + 1;
    }

    public void Dispose() => _rig.Dispose();

    /// <summary>Compares the whole observable state with the model.</summary>
    private void CheckAll(string label)
    {
        var baseProvider = BaseProvider;
        baseProvider?.ValidateInvariants();
        if (_rig.Ws2 is { } ws2)
        {
            var api = ws2.Api;
            Assert.True(_count == api.StartupCount, $"{label}: WSAStartup count {api.StartupCount}, model {_count}");
            Assert.True(api.LoadedProviders.Count == (_loaded ? 1 : 0), $"{label}: {api.LoadedProviders.Count} providers loaded, model {(_loaded ? 1 : 0)} (WS2-2)");
            Assert.True(baseProvider is null || baseProvider.StartupCount == (_loaded ? 1 : 0), $"{label}: the loaded provider was started {baseProvider?.StartupCount} times (WS2-2)");
        }
        else if (_rig.Layer is { } layer)
        {
            Assert.True(_count == layer.StartupCount, $"{label}: layer startup count {layer.StartupCount}, model {_count}");
            int lower = (_count > 0 ? 1 : 0) + (SharedLower ? 1 : 0);
            Assert.True(lower == _rig.Runtime.StartupCount, $"{label}: lower startup count {_rig.Runtime.StartupCount}, model {lower}");
        }
        else
        {
            Assert.True(_count == _rig.Runtime.StartupCount, $"{label}: startup count {_rig.Runtime.StartupCount}, model {_count}");
        }

        int handles = _sockets.Sum(s => s.Handles.Count);
        int live = _rig.Ws2?.Api.SocketCount ?? _rig.Runtime.Sockets.Count;
        Assert.True(handles == live, $"{label}: {live} live handles, model {handles}");
        foreach (var s in _sockets)
        {
            foreach (var h in s.Handles)
            {
                bool known = _rig.Ws2 is { } w ? w.Api.TryGetProvider(h.Value, out _) : _rig.Runtime.Sockets.Contains(h);
                Assert.True(known, $"{label}: live handle {h} missing from the table");
            }
        }

        int pending = _operations.Count(o => o.Status == OperationStatus.Pending);
        int actualPending = baseProvider?.Operations.PendingCount ?? 0;
        Assert.True(pending == actualPending, $"{label}: {actualPending} pending, model {pending}");
        foreach (var op in _operations)
        {
            CheckOperation(op, label);
        }

        foreach (var e in _events)
        {
            Assert.True(e.Expected == e.Event.SetCount, $"{label}: event set {e.Event.SetCount} times, model {e.Expected}");
        }

        Assert.True(_packets.Count == _port.Count, $"{label}: {_port.Count} port packets queued, model {_packets.Count}");
        foreach (var (selectEvent, count) in _silencedSelects)
        {
            Assert.True(count == selectEvent.SetCount, $"{label}: an event-select event was signalled after its socket closed or the final cleanup (SEL-2, CLN-9)");
        }

        foreach (var c in _connections)
        {
            CheckConnection(c, label);
        }
    }

    private static void CheckOperation(ModelOperation op, string label)
    {
        var ov = op.Overlapped;
        if (!ReferenceEquals(ov.UserState, op))
        {
            return; // the object was reused by a later operation, which is checked instead
        }

        Assert.True(op.Status == ov.Status, $"{label}: operation status {ov.Status}, model {op.Status}");
        Assert.True(op.Error == ov.Error, $"{label}: operation error {ov.Error.ToSymbol()}, model {op.Error.ToSymbol()}");
        if (op.Status != OperationStatus.Pending)
        {
            Assert.True(op.Bytes == ov.BytesTransferred, $"{label}: operation bytes {ov.BytesTransferred}, model {op.Bytes}");
        }

        Assert.True(op.RoutineRuns <= op.Notified, $"{label}: a completion routine ran {op.RoutineRuns} times for {op.Notified} notifications");
    }

    private static void CheckConnection(ModelConnection c, string label)
    {
        var peer = c.Peer;
        Assert.True(c.PeerRead == peer.BytesReceived, $"{label}: peer read {peer.BytesReceived} bytes, model {c.PeerRead}");
        Assert.True(c.OutCount == peer.Available, $"{label}: {peer.Available} bytes waiting for the peer, model {c.OutCount}");
        var state = c.Reset ? PeerState.Reset : c.ProviderFin && c.OutCount == 0 ? PeerState.FinReceived : PeerState.Open;
        Assert.True(state == peer.State, $"{label}: peer state {peer.State}, model {state}");
        var lastError = c.Reset && !c.ResetByPeer ? WsaError.ConnectionReset : WsaError.Success;
        Assert.True(lastError == peer.LastError, $"{label}: peer last error {peer.LastError.ToSymbol()}, model {lastError.ToSymbol()}");
    }

    /// <summary>The model's expected error of a call on <paramref name="handle"/> before any argument is looked at.</summary>
    private WsaError HandleError(SocketHandle handle) =>
        _count == 0 ? WsaError.NotInitialized : Owner(handle) is null ? WsaError.NotSocket : WsaError.Success;

    private ModelSocket? Owner(SocketHandle handle) => _sockets.Find(s => s.Handles.Contains(handle));

    private ModelSocket? PickSocket(int a) => _sockets.Count == 0 ? null : _sockets[a % _sockets.Count];

    private ModelSocket? PickConnected(int a)
    {
        var connected = _sockets.Where(s => s.Connection is not null).ToList();
        return connected.Count == 0 ? null : connected[a % connected.Count];
    }

    private ModelConnection? PickConnection(int a) => _connections.Count == 0 ? null : _connections[a % _connections.Count];

    /// <summary>Marks an operation ended and counts the notification the rules promise for it.</summary>
    private void End(ModelOperation op, OperationStatus status, WsaError error, int bytes, bool notify)
    {
        Assert.True(op.Status == OperationStatus.Pending, "the model ended an operation twice");
        op.Status = status;
        op.Error = error;
        op.Bytes = bytes;
        if (!notify)
        {
            return;
        }

        op.Notified++;
        if (op.UsesRoutine)
        {
            return; // OVL-4: the event is ignored, the routine runs in an alertable wait of this thread
        }

        if (op.Event is { } e)
        {
            e.Expected++;
        }

        if (op.OnPort)
        {
            _packets.Add((op.Overlapped, bytes, error == WsaError.ConnectionReset ? WsaError.NetNameDeleted : error));
        }
    }

    /// <summary>Moves the peer's bytes into the socket's queued receives in posting order (OVL-5), or ends them at end of stream.</summary>
    private void PumpReceives(ModelSocket s)
    {
        var c = s.Connection!;
        while (s.Receives.Count > 0)
        {
            var op = s.Receives[0];
            int n;
            if (c.InCount > 0)
            {
                n = Math.Min(op.Buffer.Length, c.InCount);
                op.Offset = c.ProviderRead;
                c.InCount -= n;
                c.ProviderRead += n;
            }
            else if (c.EndOfStream)
            {
                n = 0;
            }
            else
            {
                break;
            }

            s.Receives.RemoveAt(0);
            End(op, OperationStatus.Completed, WsaError.Success, n, notify: true);
            AssertReceived(op, c, n);
        }
    }

    /// <summary>Writes the socket's queued sends as room opens, completing each once all its bytes are written.</summary>
    private void PumpSends(ModelSocket s)
    {
        var c = s.Connection!;
        while (s.Sends.Count > 0)
        {
            var op = s.Sends[0];
            int w = Math.Min(op.Buffer.Length - op.Progress, c.OutRoom);
            op.Progress += w;
            c.OutCount += w;
            c.ProviderSent += w;
            if (op.Progress < op.Buffer.Length)
            {
                break;
            }

            s.Sends.RemoveAt(0);
            End(op, OperationStatus.Completed, WsaError.Success, op.Buffer.Length, notify: true);
        }

        if (s.FinDeferred && s.Sends.Count == 0 && !c.Reset)
        {
            s.FinDeferred = false;
            c.ProviderFin = true;
        }
    }

    private static void AssertReceived(ModelOperation op, ModelConnection c, int n)
    {
        int bad = StreamPattern.FirstMismatch(op.Buffer.AsSpan(0, n), op.Offset, c.Salt + 1);
        Assert.True(bad < 0, $"receive: byte {bad} of {n} is not the peer's byte at stream offset {op.Offset + bad} (order or completeness broken)");
    }

    /// <summary>Ends the socket's queued operations: aborted by a close (notified, CLS-2) or a final cleanup (silent, CLN-4).</summary>
    private void AbortAll(ModelSocket s, bool notify)
    {
        foreach (var op in s.Receives.Concat(s.Sends))
        {
            End(op, OperationStatus.Aborted, WsaError.OperationAborted, 0, notify);
        }

        s.Receives.Clear();
        s.Sends.Clear();
    }

    /// <summary>The process ends without cleanup: everything aborted silently, every open connection reset (PRC-2).</summary>
    private void EndProcess()
    {
        _rig.Process.Terminate();
        foreach (var s in _sockets)
        {
            AbortAll(s, notify: false);
            if (s.Connection is { Reset: false } c)
            {
                ResetConnection(c, byPeer: false);
            }
        }

        _sockets.Clear();
        CheckOperationsAndConnections("process end");
    }

    private void CheckOperationsAndConnections(string label)
    {
        foreach (var op in _operations)
        {
            CheckOperation(op, label);
        }

        foreach (var e in _events)
        {
            Assert.True(e.Expected == e.Event.SetCount, $"{label}: event set {e.Event.SetCount} times, model {e.Expected}");
        }

        Assert.True(_packets.Count == _port.Count, $"{label}: {_port.Count} port packets queued, model {_packets.Count}");
        foreach (var c in _connections)
        {
            CheckConnection(c, label);
        }
    }

    private static void ResetConnection(ModelConnection c, bool byPeer)
    {
        c.Reset = true;
        c.ResetByPeer = byPeer;
        c.OutCount = 0;
        c.InCount = 0;
    }

    private ModelOperation NewOperation(ModelSocket s, SocketHandle handle, bool send, int length, int mode, WsaOverlapped? reuse = null, ModelEvent? reuseEvent = null, bool? reuseRoutine = null)
    {
        bool routine = reuseRoutine ?? mode % 3 == 1;
        ModelEvent? e = reuse is null ? (mode % 3 == 2 && s.OnPort ? null : new ModelEvent()) : reuseEvent;
        if (reuse is null && e is not null)
        {
            _events.Add(e);
        }

        var buffer = send ? StreamPattern.Make(length, s.Connection?.Committed ?? 0, s.Connection?.Salt ?? 0) : new byte[length];
        var op = new ModelOperation
        {
            Overlapped = reuse ?? new WsaOverlapped(e?.Event),
            Event = e,
            UsesRoutine = routine,
            OnPort = s.OnPort,
            IsSend = send,
            Handle = handle,
            Buffer = buffer,
        };
        return op;
    }

    private static CompletionRoutine RoutineFor(ModelOperation op) => (error, bytes, overlapped, _) =>
    {
        Assert.Same(op.Overlapped, overlapped);
        Assert.True(op.Error == error && op.Bytes == bytes, $"completion routine given {error.ToSymbol()}/{bytes}, operation ended {op.Error.ToSymbol()}/{op.Bytes}");
        op.RoutineRuns++;
    };

    private static AddressFamily Inet => AddressFamily.InterNetwork;
}
