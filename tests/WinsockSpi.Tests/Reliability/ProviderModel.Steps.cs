using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>The steps of <see cref="ProviderModel"/>: each calls the provider once or a few times and predicts every result.</summary>
internal sealed partial class ProviderModel
{
    private void Play(ModelCommand step, string label)
    {
        switch (step.Action)
        {
            case ModelAction.Startup:
                Expect(WsaError.Success, Provider.Startup(WinsockVersion.V2_2, out _, _rig.Upcalls), label);
                _count++;
                break;
            case ModelAction.Cleanup:
                Cleanup(label);
                break;
            case ModelAction.Connect:
            case ModelAction.SocketOnly:
            case ModelAction.ListenSocket:
                NewSocket(step, label);
                break;
            case ModelAction.Duplicate:
                if (PickSocket(step.A) is { } dup)
                {
                    var copy = Provider.DuplicateSocket(dup.Handles[step.B % dup.Handles.Count]);
                    Expect(WsaError.Success, copy.Error, label);
                    dup.Handles.Add(copy.Value);
                }

                break;
            case ModelAction.Close:
                Close(step, label);
                break;
            case ModelAction.Send:
            case ModelAction.Receive:
                if (PickSocket(step.A) is { } target)
                {
                    var handle = target.Handles[step.B % target.Handles.Count];
                    bool send = step.Action == ModelAction.Send;
                    Overlapped(target, NewOperation(target, handle, send, 1 + (step.B * 7 % (send ? 90 : 60)), step.B), label);
                }

                break;
            case ModelAction.Reuse:
                Reuse(step, label);
                break;
            case ModelAction.SendDirect:
                SendDirect(step, label);
                break;
            case ModelAction.ReceiveDirect:
                ReceiveDirect(step, label);
                break;
            case ModelAction.SetBlocking:
                if (PickSocket(step.A) is { } b && !(b.SelectEvent is not null && step.B % 2 == 0))
                {
                    Expect(WsaError.Success, Provider.SetBlocking(b.Handles[0], step.B % 2 == 0).Error, label);
                    b.Blocking = step.B % 2 == 0;
                }

                break;
            case ModelAction.SetLinger:
                if (PickSocket(step.A) is { } l)
                {
                    int mode = step.B % 3, seconds = mode == 2 ? 1 + (step.B % 5) : 0;
                    Expect(WsaError.Success, Provider.SetLinger(l.Handles[0], mode != 0, seconds).Error, label);
                    l.LingerAbort = mode == 1;
                    l.LingerSeconds = seconds;
                }

                break;
            case ModelAction.Shutdown:
                Shutdown(step, label);
                break;
            case ModelAction.GetResult:
                GetResult(step, label);
                break;
            case ModelAction.PeerWrite:
                PeerWrite(step, label);
                break;
            case ModelAction.PeerRead:
                PeerRead(step, label);
                break;
            case ModelAction.PeerClose:
                if (PickConnection(step.A) is { } closing)
                {
                    closing.Peer.Close();
                    if (!closing.Reset && !closing.PeerFin)
                    {
                        closing.PeerFin = true;
                        if (OwnerOf(closing) is { } owner)
                        {
                            PumpReceives(owner);
                        }
                    }
                }

                break;
            case ModelAction.PeerReset:
                PeerReset(step);
                break;
            case ModelAction.Stale:
                Stale(step, label);
                break;
            case ModelAction.AlertableWait:
                AlertableWait(label);
                break;
            case ModelAction.DrainPort:
                DrainPort(label);
                break;
            case ModelAction.Names:
                if (PickConnected(step.A) is { ResetState: false } named)
                {
                    var peerName = Provider.GetPeerName(named.Handles[0]);
                    Expect(WsaError.Success, peerName.Error, label);
                    Assert.Equal(_rig.Listener.EndPoint, peerName.Value);
                    Expect(WsaError.Success, Provider.GetSockName(named.Handles[0]).Error, label);
                }

                break;
            case ModelAction.EventSelect:
                if (PickSocket(step.A) is { } selected)
                {
                    var selectEvent = new WsaEvent();
                    Expect(WsaError.Success, Provider.EventSelect(selected.Handles[0], selectEvent, NetworkEvents.Read | NetworkEvents.Close).Error, label);
                    selected.SelectEvent = selectEvent;
                    selected.Blocking = false;
                    Expect(WsaError.Success, Provider.EnumNetworkEvents(selected.Handles[0]).Error, label);
                }

                break;
            case ModelAction.CancelBlocking:
                // Winsock 2 removed WSACancelBlockingCall from the API layer (WSAEOPNOTSUPP); the SPI call stays (BLK-3).
                Expect(_count == 0 ? WsaError.NotInitialized : _rig.Ws2 is null ? WsaError.InvalidArgument : WsaError.OperationNotSupported, Provider.CancelBlockingCall().Error, label);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }
    }

    private static void Expect(WsaError expected, WsaError actual, string label) =>
        Assert.True(expected == actual, $"{label}: returned {actual.ToSymbol()}, model {expected.ToSymbol()}");

    private ModelSocket? OwnerOf(ModelConnection c) => _sockets.Find(s => ReferenceEquals(s.Connection, c));

    private void Cleanup(string label)
    {
        var result = Provider.Cleanup();
        if (_count == 0)
        {
            Expect(WsaError.NotInitialized, result.Error, label);
            return;
        }

        Expect(WsaError.Success, result.Error, label);
        if (--_count > 0)
        {
            return; // CLN-3: a non-final cleanup only counts
        }

        _loaded = false; // WS2-2: the final WSACleanup unloads every provider
        foreach (var s in _sockets)
        {
            AbortAll(s, notify: false); // CLN-4
            if (s.SelectEvent is { } e)
            {
                _silencedSelects.Add((e, e.SetCount)); // CLN-9
            }

            if (s.Connection is { Reset: false } c)
            {
                ResetConnection(c, byPeer: false); // CLN-6
            }

            _staleHandles.AddRange(s.Handles);
        }

        _sockets.Clear();
    }

    private void NewSocket(ModelCommand step, string label)
    {
        var created = Provider.Socket(Inet, SocketType.Stream, ProtocolType.Tcp);
        if (_count == 0)
        {
            Expect(WsaError.NotInitialized, created.Error, label); // STA-8
            return;
        }

        Expect(WsaError.Success, created.Error, label);
        _loaded = true;
        var s = new ModelSocket();
        s.Handles.Add(created.Value);
        _sockets.Add(s);
        if (step.Action == ModelAction.ListenSocket)
        {
            Expect(WsaError.Success, Provider.Bind(created.Value, new IPEndPoint(IPAddress.Loopback, 0)).Error, label);
            Expect(WsaError.Success, Provider.Listen(created.Value, 1).Error, label);
            Expect(WsaError.Success, Provider.SetBlocking(created.Value, false).Error, label);
            s.Blocking = false;
            Expect(WsaError.WouldBlock, Provider.Accept(created.Value).Error, label);
            return;
        }

        if (step.Action == ModelAction.Connect)
        {
            Expect(WsaError.Success, Provider.Connect(created.Value, _rig.Listener.EndPoint).Error, label);
            _salt += 2;
            s.Connection = new ModelConnection(_rig.Listener.Accept(), 48, 40, _salt);
            _connections.Add(s.Connection);
        }

        if (_rig.Layer is null && _rig.Ws2 is null && step.B % 2 == 0)
        {
            Expect(WsaError.Success, _rig.Runtime.AssociateCompletionPort(created.Value, _port, (nuint)step.B).Error, label);
            s.OnPort = true;
        }
    }

    private void Close(ModelCommand step, string label)
    {
        if (PickSocket(step.A) is not { } s)
        {
            return;
        }

        var handle = s.Handles[step.B % s.Handles.Count];
        bool last = s.Handles.Count == 1;
        int unsent = s.Connection is { Reset: false } c0 ? c0.OutCount : 0;
        if (last && s.LingerSeconds > 0 && unsent > 0 && s.Blocking)
        {
            return; // CLS-6 would wait for the peer or the clock: the stress suite covers it
        }

        var result = Provider.CloseSocket(handle);
        if (last && s.LingerSeconds > 0 && unsent > 0)
        {
            Expect(WsaError.WouldBlock, result.Error, label); // CLS-7: the handle stays valid
            return;
        }

        Expect(WsaError.Success, result.Error, label);
        s.Handles.Remove(handle);
        _staleHandles.Add(handle);
        if (!last)
        {
            return; // DUP-1: nothing cancelled, nothing notified
        }

        _sockets.Remove(s);
        AbortAll(s, notify: true); // CLS-2
        if (s.SelectEvent is { } e)
        {
            _silencedSelects.Add((e, e.SetCount)); // SEL-2
        }

        if (s.Connection is { Reset: false } c)
        {
            if (s.LingerAbort)
            {
                ResetConnection(c, byPeer: false); // CLS-5
            }
            else
            {
                c.ProviderFin = true; // CLS-4: the rest drains, then FIN
            }
        }
    }

    /// <summary>The error a transfer call gives before it moves anything (OVL-3, OVL-7), or Success.</summary>
    private static WsaError TransferError(ModelSocket s, bool send, bool busy) =>
        busy ? WsaError.InvalidArgument
        : s.Connection is null ? WsaError.NotConnected
        : s.ResetState ? WsaError.ConnectionReset
        : send && s.ShutSend ? WsaError.Shutdown
        : WsaError.Success;

    private void Overlapped(ModelSocket s, ModelOperation op, string label, bool busy = false)
    {
        op.Overlapped.UserState = op;
        var routine = op.UsesRoutine ? RoutineFor(op) : null;
        var expected = TransferError(s, op.IsSend, busy);
        if (expected != WsaError.Success)
        {
            var failed = op.IsSend ? Provider.Send(op.Handle, op.Buffer, op.Overlapped, routine) : Provider.Receive(op.Handle, op.Buffer, op.Overlapped, routine);
            Expect(expected, failed.Error, label); // OVL-3: started nothing, never notified (its event stays checked)
            return;
        }

        _operations.Add(op);
        var c = s.Connection!;
        int now = -1;
        if (op.IsSend)
        {
            op.Offset = c.Committed;
            c.Committed += op.Buffer.Length;
            int w = s.Sends.Count == 0 ? Math.Min(op.Buffer.Length, c.OutRoom) : 0;
            c.OutCount += w;
            c.ProviderSent += w;
            op.Progress = w;
            if (w == op.Buffer.Length)
            {
                now = w;
            }
            else
            {
                s.Sends.Add(op);
            }
        }
        else if (s.Receives.Count == 0 && (c.InCount > 0 || c.EndOfStream))
        {
            now = Math.Min(op.Buffer.Length, c.InCount);
            op.Offset = c.ProviderRead;
            c.InCount -= now;
            c.ProviderRead += now;
        }
        else
        {
            s.Receives.Add(op);
        }

        var result = op.IsSend ? Provider.Send(op.Handle, op.Buffer, op.Overlapped, routine) : Provider.Receive(op.Handle, op.Buffer, op.Overlapped, routine);
        if (now < 0)
        {
            Expect(WsaError.IOPending, result.Error, label); // OVL-2
            return;
        }

        Expect(WsaError.Success, result.Error, label);
        Assert.True(now == result.Value, $"{label}: completed at once with {result.Value} bytes, model {now}");
        End(op, OperationStatus.Completed, WsaError.Success, now, notify: true); // OVL-1: still notified
        if (!op.IsSend)
        {
            AssertReceived(op, c, now);
        }
    }

    private void Reuse(ModelCommand step, string label)
    {
        var latest = _operations.Where(o => ReferenceEquals(o.Overlapped.UserState, o)).ToList();
        if (latest.Count == 0 || PickConnected(step.A) is not { } s)
        {
            return;
        }

        var old = latest[step.B % latest.Count];
        bool busy = old.Busy; // OVL-7: pending, or its routine not run yet

        // As a program does before it reuses the object (WSAResetEvent): the count is of reset-to-set transitions.
        old.Event?.Event.Reset();
        var op = NewOperation(s, s.Handles[0], send: false, 1 + (step.B % 50), 0, old.Overlapped, old.Event, old.UsesRoutine);
        if (busy)
        {
            var routine = op.UsesRoutine ? RoutineFor(op) : null;
            Expect(WsaError.InvalidArgument, Provider.Receive(op.Handle, op.Buffer, op.Overlapped, routine).Error, label);
            return;
        }

        Overlapped(s, op, label);
    }

    private void SendDirect(ModelCommand step, string label)
    {
        if (PickSocket(step.A) is not { } s)
        {
            return;
        }

        int length = 1 + (step.B * 3 % 70);
        var expected = TransferError(s, send: true, busy: false);
        var c = s.Connection;
        int w = c is not null && s.Sends.Count == 0 ? Math.Min(length, c.OutRoom) : 0;
        if (expected == WsaError.Success && s.Blocking && w < length)
        {
            return; // would block: the stress suite covers blocking calls
        }

        var data = StreamPattern.Make(length, c?.Committed ?? 0, c?.Salt ?? 0);
        var result = Provider.Send(s.Handles[0], data);
        if (expected == WsaError.Success && w == 0)
        {
            expected = WsaError.WouldBlock; // OVL-9, non-blocking
        }

        Expect(expected, result.Error, label);
        if (expected == WsaError.Success)
        {
            Assert.True(w == result.Value, $"{label}: sent {result.Value}, model {w}");
            c!.Committed += w;
            c.ProviderSent += w;
            c.OutCount += w;
        }
    }

    private void ReceiveDirect(ModelCommand step, string label)
    {
        if (PickSocket(step.A) is not { } s)
        {
            return;
        }

        var buffer = new byte[1 + (step.B * 5 % 50)];
        var expected = TransferError(s, send: false, busy: false);
        var c = s.Connection;
        bool ready = c is not null && s.Receives.Count == 0 && (c.InCount > 0 || c.EndOfStream);
        if (expected == WsaError.Success && !ready)
        {
            if (s.Blocking)
            {
                return; // would block
            }

            expected = WsaError.WouldBlock;
        }

        var result = Provider.Receive(s.Handles[0], buffer);
        Expect(expected, result.Error, label);
        if (expected == WsaError.Success)
        {
            int n = Math.Min(buffer.Length, c!.InCount);
            Assert.True(n == result.Value, $"{label}: received {result.Value}, model {n}");
            int bad = StreamPattern.FirstMismatch(buffer.AsSpan(0, n), c.ProviderRead, c.Salt + 1);
            Assert.True(bad < 0, $"{label}: received byte {bad} out of order");
            c.InCount -= n;
            c.ProviderRead += n;
        }
    }
}
