using System.Net;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// One stress round: a connected socket (and a duplicate) with pending receives and a pending send, then several
/// endings started at once from their own threads: peer data, peer read, peer reset, close, final cleanup, process end
/// and a waiting GetOverlappedResult. Afterwards every operation must have ended exactly once with exactly the
/// notifications its ending allows, the bytes delivered must be the streams' prefixes in order, and nothing may be
/// notified after a final cleanup or a last close returned (CLN-13, SEL-2).
/// </summary>
internal sealed class RaceRound : IDisposable
{
    private const int Receives = 3;
    private readonly List<string> _failures = [];
    private readonly int _racers;
    private readonly SimulatedProcess _process;
    private readonly ProviderRuntime _provider;
    private readonly CountingUpcalls _upcalls;
    private readonly RemotePeer _peer;
    private readonly SocketHandle _socket;
    private readonly SocketHandle _duplicate;
    private readonly WsaOverlapped[] _receives = new WsaOverlapped[Receives];
    private readonly byte[][] _buffers = new byte[Receives][];
    private readonly WsaOverlapped _send;
    private readonly byte[] _sent = StreamPattern.Make(40, 0, 5);
    private readonly byte[] _peerGot = new byte[64];
    private int _peerRead;
    private int _peerWritten;

    public RaceRound(int seed)
    {
        // Each bit of the seed's low byte picks one ending; at least two race.
        _racers = (seed % 127) + 1;
        if ((_racers & 0b0011_1101) == 0)
        {
            _racers |= 0b0000_0001; // a waiter needs an ending that ends the operation it waits for
        }

        if ((_racers & (_racers - 1)) == 0)
        {
            _racers |= 0b0100_0001;
        }

        var network = new SimulatedNetwork();
        var time = new FakeTimeProvider();
        _process = new SimulatedProcess(network, time);
        _provider = new ProviderRuntime(new ProviderOptions { Process = _process, TimeProvider = time, SendBufferSize = 16 });
        _upcalls = new CountingUpcalls(_process);
        using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0), 16);
        Check(_provider.Startup(WinsockVersion.V2_2, out _, _upcalls) == WsaError.Success, "startup");
        _socket = _provider.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).ThrowIfFailed();
        _provider.Connect(_socket, listener.EndPoint).ThrowIfFailed();
        _peer = listener.Accept();
        _duplicate = _provider.DuplicateSocket(_socket).ThrowIfFailed();
        for (int i = 0; i < Receives; i++)
        {
            _buffers[i] = new byte[1 + i];
            _receives[i] = new WsaOverlapped(new WsaEvent());
            Check(_provider.Receive(_socket, _buffers[i], _receives[i]).Error == WsaError.IOPending, "receive pends");
        }

        _send = new WsaOverlapped(new WsaEvent());
        Check(_provider.Send(_duplicate, _sent, _send).Error == WsaError.IOPending, "send pends");
    }

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Gets how many operations the round ended.</summary>
    public static int Operations => Receives + 1;

    /// <summary>Races the chosen endings; false when a thread did not finish within the bound (a hang).</summary>
    public bool Race(TimeSpan bound)
    {
        var actions = new List<Action>();
        bool closedLast = false, cleanedUp = false;
        int notifiedAtClose = -1, notifiedAtCleanup = -1;
        bool pendingAtClose = false, pendingAtCleanup = false;
        if ((_racers & 1) != 0)
        {
            actions.Add(() => Write(3));
        }

        if ((_racers & 2) != 0)
        {
            actions.Add(ReadAll);
        }

        if ((_racers & 4) != 0)
        {
            actions.Add(_peer.Reset);
        }

        if ((_racers & 8) != 0)
        {
            actions.Add(() =>
            {
                // Both handles: the second close to return is the last one (DUP-1).
                bool a = _provider.CloseSocket(_socket).IsSuccess;
                bool b = _provider.CloseSocket(_duplicate).IsSuccess;
                if (a && b)
                {
                    pendingAtClose = AnyPending();
                    notifiedAtClose = _upcalls.Total;
                    closedLast = true;
                }
            });
        }

        if ((_racers & 16) != 0)
        {
            actions.Add(() =>
            {
                if (_provider.Cleanup().IsSuccess)
                {
                    pendingAtCleanup = AnyPending();
                    notifiedAtCleanup = _upcalls.Total;
                    cleanedUp = true;
                }
            });
        }

        if ((_racers & 32) != 0)
        {
            actions.Add(_process.Terminate);
        }

        if ((_racers & 64) != 0)
        {
            actions.Add(() =>
            {
                // The handle is looked at first: once a cleanup or close won, the call answers for the handle (OVL-6).
                var result = _provider.GetOverlappedResult(_socket, _receives[0], wait: true);
                var op = _receives[0];
                bool handleGone = result.Error is WsaError.NotInitialized or WsaError.NotSocket;
                Check(handleGone || !op.IsPending, $"GetOverlappedResult(wait) returned {result.Error.ToSymbol()} while the operation still reads pending");
                Check(handleGone || (result.IsSuccess ? op.Status == OperationStatus.Completed && result.Value == op.BytesTransferred : result.Error == op.Error), $"GetOverlappedResult(wait) gave {result.Error.ToSymbol()} for {op}");
            });
        }

        using var start = new Barrier(actions.Count);
        var threads = actions.Select(a => new Thread(() =>
        {
            start.SignalAndWait();
            a();
        })
        { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var t in threads)
        {
            var left = bound - clock.Elapsed;
            if (!t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                _failures.Add($"racers {_racers:b7}: a thread did not finish within {bound.TotalSeconds} s (hang)");
                return false;
            }
        }

        Check(!cleanedUp || !pendingAtCleanup, "the final cleanup returned while an operation still read pending (CLN-8, CLN-13)");
        Check(!closedLast || !pendingAtClose, "the last close returned while an operation of its socket still read pending (CLS-2, CLN-13)");
        int afterRace = _upcalls.Total;
        Check(!cleanedUp || notifiedAtCleanup == afterRace, $"{afterRace - notifiedAtCleanup} notifications after the final cleanup returned (CLN-13)");
        Check(!closedLast || notifiedAtClose == afterRace, $"{afterRace - notifiedAtClose} notifications after the last close returned (CLN-13)");
        Settle(closedLast);
        return true;
    }

    private void Settle(bool closedLast)
    {
        if (!_process.IsTerminated)
        {
            _provider.ValidateInvariants();
        }

        _process.Terminate(); // whatever the race left pending ends here, silently (PRC-2)
        _process.AlertableWait(TimeSpan.Zero);
        bool prefix = true;
        long offset = 0;
        foreach (var (op, i) in _receives.Select((o, i) => (o, i)))
        {
            CheckEnded(op, $"receive {i}", closedLast);
            if (op.Status == OperationStatus.Completed)
            {
                Check(prefix, $"receive {i} completed after an earlier one did not (OVL-5)");
                int bad = StreamPattern.FirstMismatch(_buffers[i].AsSpan(0, op.BytesTransferred), offset, 7);
                Check(bad < 0, $"receive {i}: byte {bad} is not the peer's byte at offset {offset + bad}");
                offset += op.BytesTransferred;
            }
            else
            {
                prefix = false;
            }
        }

        Check(offset <= _peerWritten, $"receives got {offset} bytes of the {_peerWritten} the peer wrote");
        CheckEnded(_send, "send", closedLast);
        int bad2 = StreamPattern.FirstMismatch(_peerGot.AsSpan(0, _peerRead), 0, 5);
        Check(bad2 < 0, $"the peer's byte {bad2} is not the provider's byte at that offset");
        Check(_send.Status != OperationStatus.Completed || _send.BytesTransferred == _sent.Length, "a completed send reports fewer bytes than it had");
    }

    private void CheckEnded(WsaOverlapped op, string name, bool closedLast)
    {
        int notes = _upcalls.Of(op);
        Check(!op.IsPending, $"{name} still pending after the process ended (PRC-2)");
        Check(notes <= 1, $"{name} notified {notes} times (OVL-5)");
        Check(op.Event!.SetCount <= 1, $"{name}'s event set {op.Event.SetCount} times (OVL-5)");
        Check(op.Status is not (OperationStatus.Completed or OperationStatus.Failed) || notes == 1, $"{name} ended {op.Status} with {notes} notifications (OVL-1, OVL-8)");
        Check(op.Status != OperationStatus.Aborted || notes == 0 || closedLast, $"{name} aborted and notified without a close (CLN-4, PRC-2)");
    }

    public void Dispose()
    {
        _provider.Dispose();
        _process.Dispose();
    }

    private bool AnyPending() => _receives.Any(o => o.IsPending) || _send.IsPending;

    private void Write(int n)
    {
        int w = _peer.Write(StreamPattern.Make(n, 0, 7));
        Interlocked.Add(ref _peerWritten, w);
    }

    private void ReadAll()
    {
        for (int i = 0; i < 8; i++)
        {
            int r = _peer.Read(_peerGot.AsSpan(_peerRead));
            _peerRead += r;
        }
    }

    private void Check(bool condition, string what)
    {
        if (!condition)
        {
            _failures.Add($"racers {_racers:b7}: {what}");
        }
    }
}
