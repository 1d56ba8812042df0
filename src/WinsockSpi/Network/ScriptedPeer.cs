namespace WinsockSpi.Network;

/// <summary>
/// The run of one <see cref="PeerScript"/> on one connection of a <see cref="PeerListener"/>: its far end, its position
/// in the script, what it read, and the failure when an expectation did not hold.
/// </summary>
/// <remarks>
/// <para>The run is the listener of the peer's end of the connection: each change the network signals (bytes from the
/// client, its FIN or reset, room in the reply direction) resumes the script on the signalling thread, with no lock held.
/// One thread at a time runs the steps; a signal that arrives meanwhile (from the step's own reads and writes, or from
/// another thread) makes the running thread look again before it returns, so nothing is missed and no step runs
/// twice.</para>
/// <para>Its properties are thread-safe.</para>
/// </remarks>
public sealed class ScriptedPeer : IConnectionListener
{
    private readonly object _sync = new();
    private readonly List<byte> _received = [];
    private readonly IReadOnlyList<ScriptStep> _steps;
    private readonly ScriptTurn _turn;
    private int _step;
    private int _progress;
    private long _offset;
    private ScriptedPeerStatus _status;
    private string? _failure;

    internal ScriptedPeer(PeerListener listener, int number, PeerScript script, RemotePeer peer)
    {
        Listener = listener;
        Number = number;
        Script = script;
        Peer = peer;
        _steps = script.Steps;
        _turn = new ScriptTurn(_sync, IsWaiting_NeedsSync, IsWaiting_NeedsSync, RunSteps);
    }

    /// <summary>Gets the listener the connection arrived at.</summary>
    public PeerListener Listener { get; }

    /// <summary>Gets the connection's number among the scripted connections of its listener, from 1.</summary>
    public int Number { get; }

    /// <summary>Gets the script.</summary>
    public PeerScript Script { get; }

    /// <summary>Gets the far end of the connection; drive it by hand once the run has ended (or stalled).</summary>
    public RemotePeer Peer { get; }

    /// <summary>Gets where the run stands.</summary>
    public ScriptedPeerStatus Status
    {
        get
        {
            lock (_sync)
            {
                return _status;
            }
        }
    }

    /// <summary>Gets the index (from 0) of the step that waits, or the step count once the run has completed.</summary>
    public int StepIndex
    {
        get
        {
            lock (_sync)
            {
                return _step;
            }
        }
    }

    /// <summary>Gets the stream offset the script has read up to: the bytes of the client it has taken.</summary>
    public long Offset
    {
        get
        {
            lock (_sync)
            {
                return _offset;
            }
        }
    }

    /// <summary>Gets why the run failed: the step, the byte offset, what was expected and what came; null unless <see cref="ScriptedPeerStatus.Failed"/>.</summary>
    public string? Failure
    {
        get
        {
            lock (_sync)
            {
                return _failure;
            }
        }
    }

    /// <summary>Gets a copy of every byte the script read from the client, in order.</summary>
    public byte[] Received
    {
        get
        {
            lock (_sync)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Shows the run: its connection, its status and the step it is at.</summary>
    /// <returns>The text, for example <c>scripted peer 1 of peer listener 127.0.0.1:49152: waiting at step 2 of 3 (Reply 4 bytes "PONG"), stream offset 4</c>.</returns>
    public override string ToString()
    {
        lock (_sync)
        {
            string where = _status switch
            {
                ScriptedPeerStatus.Waiting => $"waiting at step {_step + 1} of {_steps.Count} ({_steps[_step]}), stream offset {_offset}",
                ScriptedPeerStatus.Stalled => $"stalled at step {_step + 1} of {_steps.Count}, stream offset {_offset}",
                ScriptedPeerStatus.Failed => $"failed: {_failure}",
                ScriptedPeerStatus.Refused => "refused the connection",
                _ => $"completed {_steps.Count} steps, stream offset {_offset}",
            };
            return $"scripted peer {Number} of {Listener}: {where}";
        }
    }

    void IConnectionListener.OnConnectionChanged(ConnectionEnd end) => Advance();

    /// <summary>Marks the run refused (the listener refuses the connection).</summary>
    internal void MarkRefused()
    {
        lock (_sync)
        {
            _status = ScriptedPeerStatus.Refused;
        }
    }

    /// <summary>Becomes the listener of the peer's end and runs the steps that need nothing from the client.</summary>
    internal void Start()
    {
        if (_steps.Count == 0)
        {
            lock (_sync)
            {
                _status = ScriptedPeerStatus.Completed;
            }

            return;
        }

        Peer.End.Listener = this;
        Advance();
    }

    private void Advance() => _turn.Advance();

    private bool IsWaiting_NeedsSync() => _status == ScriptedPeerStatus.Waiting;

    /// <summary>Runs steps until one must wait or the run ends. Only the thread that holds the <see cref="ScriptTurn"/> calls it.</summary>
    private void RunSteps()
    {
        while (true)
        {
            var step = _steps[_step];
            bool done;
            try
            {
                done = step.Kind switch
                {
                    ScriptStepKind.Expect or ScriptStepKind.Read => ReadStep(step),
                    ScriptStepKind.ExpectClose => ExpectCloseStep(),
                    ScriptStepKind.Reply => ReplyStep(step),
                    ScriptStepKind.Close => Do(Peer.Close),
                    ScriptStepKind.Reset => Do(Peer.Reset),
                    ScriptStepKind.Stall => End(ScriptedPeerStatus.Stalled, advance: false),
                    _ => Do(() => step.Action!(Peer)),
                };
            }
#pragma warning disable CA1031 // a user action that throws fails the run; the message keeps the exception
            catch (Exception e)
#pragma warning restore CA1031
            {
                Fail($"the action threw {e.GetType().Name}: {e.Message}");
                return;
            }

            if (!done || Status != ScriptedPeerStatus.Waiting)
            {
                return;
            }

            lock (_sync)
            {
                _step++;
                _progress = 0;
                if (_step == _steps.Count)
                {
                    _status = ScriptedPeerStatus.Completed;
                }
            }

            if (_step == _steps.Count)
            {
                Detach();
                return;
            }
        }
    }

    private static bool Do(Action action)
    {
        action();
        return true;
    }

    private bool ReadStep(ScriptStep step)
    {
        Span<byte> chunk = stackalloc byte[256];
        while (_progress < step.Count)
        {
            int n = Peer.Read(chunk[..Math.Min(chunk.Length, step.Count - _progress)]);
            if (n == 0)
            {
                return WaitOrFail(step.Kind == ScriptStepKind.Expect
                    ? $"{_progress} of the {step.Count} bytes expected"
                    : $"{_progress} of the {step.Count} bytes to read");
            }

            for (int i = 0; i < n; i++)
            {
                if (step.Kind == ScriptStepKind.Expect && chunk[i] != step.Bytes[_progress + i])
                {
                    Record(chunk[..(i + 1)]);
                    Fail($"the client sent {ScriptStep.ShowByte(chunk[i])} at stream offset {_offset - 1} (byte {_progress + i} of the step) where {ScriptStep.ShowByte(step.Bytes[_progress + i])} was expected");
                    return false;
                }
            }

            Record(chunk[..n]);
            _progress += n;
        }

        return true;
    }

    private bool ExpectCloseStep()
    {
        if (Peer.Available > 0)
        {
            var extra = Peer.ReadAvailable();
            Record(extra);
            Fail($"the client sent {extra.Length} more bytes from stream offset {_offset - extra.Length} (first {ScriptStep.ShowByte(extra[0])}) where its close was expected");
            return false;
        }

        return Peer.State == PeerState.FinReceived || WaitOrFail("its close");
    }

    private bool ReplyStep(ScriptStep step)
    {
        _progress += Peer.Write(step.Bytes.AsSpan(_progress));
        return _progress == step.Count || WaitOrFail($"room for the last {step.Count - _progress} of the {step.Count} reply bytes");
    }

    /// <summary>Nothing can move now: waits for the next signal, unless the client already closed or reset (then nothing ever will).</summary>
    private bool WaitOrFail(string waitingFor)
    {
        switch (Peer.State)
        {
            case PeerState.Reset:
                Fail($"the connection was reset at stream offset {_offset} while the step waited for {waitingFor}");
                break;
            case PeerState.FinReceived when waitingFor != "its close" && _steps[_step].Kind != ScriptStepKind.Reply:
                Fail($"the client closed the connection at stream offset {_offset} while the step waited for {waitingFor}");
                break;
        }

        return false;
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_sync)
        {
            foreach (byte b in bytes)
            {
                _received.Add(b);
            }

            _offset += bytes.Length;
        }
    }

    private bool End(ScriptedPeerStatus status, bool advance)
    {
        lock (_sync)
        {
            _status = status;
        }

        Detach();
        return advance;
    }

    private void Fail(string message)
    {
        lock (_sync)
        {
            _failure = $"scripted peer {Number} of {Listener}, step {_step + 1} of {_steps.Count} ({_steps[_step]}): {message}.";
            _status = ScriptedPeerStatus.Failed;
        }

        Detach();

        // The client gets an error instead of waiting for a reply that will never come.
        Peer.Reset();
    }

    private void Detach()
    {
        if (Peer.End.Listener == this)
        {
            Peer.End.Listener = null;
        }
    }
}
