using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>The steps of <see cref="ProviderModel"/> that act from the far end, read outcomes, or drain notification channels.</summary>
internal sealed partial class ProviderModel
{
    private void Shutdown(ModelCommand step, string label)
    {
        if (PickSocket(step.A) is not { } s)
        {
            return;
        }

        var expected = s.Connection is null ? WsaError.NotConnected : s.ResetState ? WsaError.ConnectionReset : WsaError.Success;
        Expect(expected, Provider.Shutdown(s.Handles[0], SocketShutdown.Send).Error, label);
        if (expected != WsaError.Success || s.ShutSend)
        {
            return;
        }

        s.ShutSend = true;
        if (s.Sends.Count > 0)
        {
            s.FinDeferred = true; // the FIN follows the queued sends
        }
        else if (!s.Connection!.Reset)
        {
            s.Connection.ProviderFin = true;
        }
    }

    private void GetResult(ModelCommand step, string label)
    {
        var latest = _operations.Where(o => ReferenceEquals(o.Overlapped.UserState, o)).ToList();
        if (latest.Count == 0)
        {
            return;
        }

        var op = latest[step.B % latest.Count];
        var result = Provider.GetOverlappedResult(op.Handle, op.Overlapped, wait: false);
        var handleError = HandleError(op.Handle);
        if (handleError != WsaError.Success)
        {
            Expect(handleError, result.Error, label);
            return;
        }

        switch (op.Status)
        {
            case OperationStatus.Pending:
                Expect(WsaError.IOIncomplete, result.Error, label); // OVL-6
                break;
            case OperationStatus.Completed:
                Expect(WsaError.Success, result.Error, label);
                Assert.True(op.Bytes == result.Value, $"{label}: GetOverlappedResult gave {result.Value} bytes, model {op.Bytes}");
                break;
            default:
                Expect(op.Error, result.Error, label);
                break;
        }
    }

    private void PeerWrite(ModelCommand step, string label)
    {
        if (PickConnection(step.A) is not { } c)
        {
            return;
        }

        int n = 1 + (step.B % 50);
        int expected = Math.Min(n, c.InRoom);
        var data = StreamPattern.Make(n, c.PeerWritten, c.Salt + 1);
        int written = c.Peer.Write(data);
        Assert.True(expected == written, $"{label}: the peer wrote {written} bytes, model {expected}");
        c.PeerWritten += written;
        c.InCount += written;
        if (written > 0 && OwnerOf(c) is { } s)
        {
            PumpReceives(s);
        }
    }

    private void PeerRead(ModelCommand step, string label)
    {
        if (PickConnection(step.A) is not { } c)
        {
            return;
        }

        var buffer = new byte[1 + (step.B % 70)];
        int expected = Math.Min(buffer.Length, c.OutCount);
        int read = c.Peer.Read(buffer);
        Assert.True(expected == read, $"{label}: the peer read {read} bytes, model {expected}");
        int bad = StreamPattern.FirstMismatch(buffer.AsSpan(0, read), c.PeerRead, c.Salt);
        Assert.True(bad < 0, $"{label}: the peer's byte {bad} is not the provider's byte at offset {c.PeerRead + bad}");
        c.OutCount -= read;
        c.PeerRead += read;
        if (read > 0 && OwnerOf(c) is { } s)
        {
            PumpSends(s);
        }
    }

    private void PeerReset(ModelCommand step)
    {
        if (PickConnection(step.A) is not { } c)
        {
            return;
        }

        c.Peer.Reset();
        if (c.Reset)
        {
            return;
        }

        ResetConnection(c, byPeer: true);
        if (OwnerOf(c) is not { } s)
        {
            return;
        }

        // OVL-8: every queued operation fails with WSAECONNRESET (a send keeps the bytes it had written).
        s.ResetState = true;
        foreach (var op in s.Receives.Concat(s.Sends))
        {
            End(op, OperationStatus.Failed, WsaError.ConnectionReset, op.IsSend ? op.Progress : 0, notify: true);
        }

        s.Receives.Clear();
        s.Sends.Clear();
    }

    private void Stale(ModelCommand step, string label)
    {
        if (_staleHandles.Count == 0)
        {
            return;
        }

        var stale = _staleHandles[step.B % _staleHandles.Count];

        // A forged neighbour of a real handle: never a live socket unless the model says so.
        var forged = new SocketHandle(stale.Value ^ (nuint)(1 + (step.A % 7)));
        foreach (var h in new[] { stale, forged })
        {
            var expected = HandleError(h);
            if (expected == WsaError.Success)
            {
                continue;
            }

            Expect(expected, Provider.GetPeerName(h).Error, label); // SOC-1, CLS-1, CLN-10
            Expect(expected, Provider.CloseSocket(h).Error, label);
            Expect(expected, Provider.Send(h, new byte[1]).Error, label);
        }
    }

    private void AlertableWait(string label)
    {
        int owed = _operations.Where(o => o.UsesRoutine).Sum(o => o.Notified - o.RoutineRuns);
        int ran = _rig.Process.AlertableWait(TimeSpan.Zero);
        Assert.True(owed == ran, $"{label}: the alertable wait ran {ran} routines, model {owed} (OVL-4)");
        foreach (var op in _operations.Where(o => o.UsesRoutine))
        {
            Assert.True(op.Notified == op.RoutineRuns, $"{label}: a routine ran {op.RoutineRuns} times, model {op.Notified}");
        }
    }

    private void DrainPort(string label)
    {
        var seen = new List<(WsaOverlapped, int, WsaError)>();
        while (_port.TryDequeue(out var packet))
        {
            seen.Add((packet.Overlapped, packet.BytesTransferred, packet.Status));
        }

        // One packet per notification; the order between operations ended by one call is not a rule.
        foreach (var packet in seen)
        {
            int at = _packets.IndexOf(packet);
            Assert.True(at >= 0, $"{label}: unexpected port packet {packet.Item2} bytes {packet.Item3.ToSymbol()}");
            _packets.RemoveAt(at);
        }

        Assert.True(_packets.Count == 0, $"{label}: {_packets.Count} port packets missing");
    }
}
