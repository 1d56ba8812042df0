using System.Globalization;
using System.Net;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// The run of one <see cref="DatagramPeerScript"/> on a datagram address of a <see cref="SimulatedNetwork"/>: the peer
/// bound there, the script's position, the datagrams it took, sent and ignored, and the failure when an expectation did
/// not hold. Made by <see cref="SimulatedNetwork.AddDatagramPeer(EndPoint, DatagramPeerScript, int)"/>.
/// </summary>
/// <remarks>
/// <para>The run listens to its address: each datagram that arrives resumes the script on the thread whose send
/// delivered it, once that send has released its locks. One thread at a time runs the steps; a datagram that arrives
/// meanwhile (from a reply the script sent to itself, or from another thread) makes the running thread look again
/// before it returns, so nothing is missed and no step runs twice.</para>
/// <para>Every datagram the run takes or sends, and each one it ignores, is recorded as a peer action in the network's
/// trace (<see cref="SimulatedNetwork.Recorder"/>). Its properties are thread-safe.</para>
/// </remarks>
public sealed class ScriptedDatagramPeer : IDatagramListener, IDisposable
{
    private readonly object _sync = new();
    private readonly List<DatagramMessage> _received = [];
    private readonly IReadOnlyList<DatagramStep> _steps;
    private readonly SimulatedNetwork _network;
    private readonly ScriptTurn _turn;
    private int _step;
    private long _sent;
    private long _ignored;
    private IPEndPoint? _lastSender;
    private ScriptedPeerStatus _status;
    private string? _failure;

    internal ScriptedDatagramPeer(SimulatedNetwork network, DatagramPeerScript script, DatagramPeer peer)
    {
        _network = network;
        Script = script;
        Peer = peer;
        _steps = script.Steps;
        _status = _steps.Count == 0 ? ScriptedPeerStatus.Completed : ScriptedPeerStatus.Waiting; // an arrival before Start finds nothing to run
        _turn = new ScriptTurn(_sync, () => IsWaiting_NeedsSync() && !Peer.IsDisposed, IsWaiting_NeedsSync, RunSteps);
    }

    /// <summary>Gets the script.</summary>
    public DatagramPeerScript Script { get; }

    /// <summary>Gets the peer bound at the address; read and send by hand with it once the run has ended (or stalled).</summary>
    public DatagramPeer Peer { get; }

    /// <summary>Gets the peer's bound address: send here to reach the script.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)Peer.LocalEndPoint;

    /// <summary>Gets where the run stands (never <see cref="ScriptedPeerStatus.Refused"/>: a datagram address refuses nothing).</summary>
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

    /// <summary>Gets the datagrams the script took with its expect and receive steps (not those it ignored).</summary>
    public int DatagramsReceived
    {
        get
        {
            lock (_sync)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Gets the datagrams the script sent (replies and sends to an address), delivered or not.</summary>
    public long DatagramsSent
    {
        get
        {
            lock (_sync)
            {
                return _sent;
            }
        }
    }

    /// <summary>Gets the datagrams the script took and ignored (<see cref="DatagramPeerScript.Drop"/>).</summary>
    public long DatagramsIgnored
    {
        get
        {
            lock (_sync)
            {
                return _ignored;
            }
        }
    }

    /// <summary>Gets the datagrams the script took, with their sources, in order (not those it ignored).</summary>
    public IReadOnlyList<DatagramMessage> Received
    {
        get
        {
            lock (_sync)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Gets why the run failed: the step, the datagram, the byte offset, what was expected and what came; null unless <see cref="ScriptedPeerStatus.Failed"/>.</summary>
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

    /// <summary>Shows the run: its address, its status and the step it is at.</summary>
    /// <returns>The text, for example <c>scripted datagram peer 127.0.0.1:49152: waiting at step 1 of 2 (Expect 4 bytes "PING"), 0 datagrams taken</c>.</returns>
    public override string ToString()
    {
        lock (_sync)
        {
            string counts = string.Create(CultureInfo.InvariantCulture, $"{_received.Count} datagrams taken, {_sent} sent, {_ignored} ignored");
            string where = _status switch
            {
                ScriptedPeerStatus.Waiting => $"waiting at step {_step + 1} of {_steps.Count} ({_steps[_step]}), {counts}",
                ScriptedPeerStatus.Stalled => $"stalled at step {_step + 1} of {_steps.Count}, {counts}",
                ScriptedPeerStatus.Failed => $"failed: {_failure}",
                _ => $"completed {_steps.Count} steps, {counts}",
            };
            return $"scripted datagram peer {Peer.LocalEndPoint}: {where}";
        }
    }

    /// <summary>Releases the address (<see cref="DatagramPeer.Dispose"/>); the script stops.</summary>
    public void Dispose() => Peer.Dispose();

    // A harness peer's sends are never held (SimulatedNetwork.HoldDatagrams), so only arrivals reach it.
    void IDatagramListener.OnDatagramArrived(DatagramEndpoint endpoint, bool sendsReleased) => Advance();

    /// <summary>Runs the steps that need no datagram (a script may start by sending).</summary>
    internal void Start() => Advance();

    private void Advance() => _turn.Advance();

    private bool IsWaiting_NeedsSync() => _status == ScriptedPeerStatus.Waiting;

    /// <summary>Runs steps until one must wait for a datagram or the run ends. Only the thread that holds the <see cref="ScriptTurn"/> calls it.</summary>
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
                    DatagramStepKind.Stall => Stall(),
                    DatagramStepKind.Reply => Send(step, _lastSender),
                    DatagramStepKind.SendTo => Send(step, step.To),
                    DatagramStepKind.Action => Do(step),
                    _ => Take(step),
                };
            }
#pragma warning disable CA1031 // a user action that throws fails the run; the message keeps the exception
            catch (Exception e)
#pragma warning restore CA1031
            {
                Fail($"the action threw {e.GetType().Name}: {e.Message}");
                return;
            }

            lock (_sync)
            {
                if (!done || _status != ScriptedPeerStatus.Waiting)
                {
                    return;
                }

                _step++;
                if (_step == _steps.Count)
                {
                    _status = ScriptedPeerStatus.Completed;
                    return;
                }
            }
        }
    }

    private bool Do(DatagramStep step)
    {
        step.Action!(Peer);
        return true;
    }

    private bool Stall()
    {
        Record("Stall", null, null);
        lock (_sync)
        {
            _status = ScriptedPeerStatus.Stalled;
        }

        return false;
    }

    private bool Send(DatagramStep step, IPEndPoint? to)
    {
        if (to is null)
        {
            Fail("no datagram was taken yet, so there is no sender to reply to");
            return false;
        }

        Peer.SendTo(step.Bytes, to);
        lock (_sync)
        {
            _sent++;
        }

        return true;
    }

    private bool Take(DatagramStep step)
    {
        if (Peer.Receive() is not { } message)
        {
            return false; // nothing queued: the next arrival resumes the step
        }

        var source = (IPEndPoint)message.Source;
        if (step.Kind == DatagramStepKind.Drop)
        {
            Record("Ignore", message.Data.Length, $"{Peer.LocalEndPoint} <- {source}");
            lock (_sync)
            {
                _ignored++;
            }

            return true;
        }

        lock (_sync)
        {
            _received.Add(message);
            _lastSender = source;
        }

        string? mismatch = step.Kind switch
        {
            DatagramStepKind.Expect => Compare(step.Bytes, message.Data),
            DatagramStepKind.ExpectLength when message.Data.Length != step.Count => $"it has {message.Data.Length} bytes where {step.Count} were expected",
            _ => null,
        };
        if (mismatch is not null)
        {
            Fail($"datagram {DatagramsReceived} (from {source}): {mismatch}");
            return false;
        }

        return true;
    }

    /// <summary>Names the first byte offset where <paramref name="actual"/> differs from <paramref name="expected"/>, or null when they are equal.</summary>
    private static string? Compare(byte[] expected, byte[] actual)
    {
        int common = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"the client sent {ScriptStep.ShowByte(actual[i])} at byte offset {i} where {ScriptStep.ShowByte(expected[i])} was expected";
            }
        }

        return expected.Length == actual.Length ? null
            : actual.Length < expected.Length
                ? $"it ends at byte offset {actual.Length} ({actual.Length} bytes) where {expected.Length} bytes were expected"
                : $"it has {actual.Length - expected.Length} more bytes from byte offset {expected.Length} (first {ScriptStep.ShowByte(actual[expected.Length])}) where {expected.Length} bytes were expected";
    }

    private void Fail(string message)
    {
        lock (_sync)
        {
            _failure = $"scripted datagram peer {Peer.LocalEndPoint}, step {_step + 1} of {_steps.Count} ({_steps[_step]}): {message}.";
            _status = ScriptedPeerStatus.Failed;
        }

        Record("Failed", null, _failure);
    }

    private void Record(string name, long? bytes, string? detail) =>
        _network.Recorder?.Record(TraceEventKind.Peer, name, 0, 0, null, null, bytes, detail ?? Peer.LocalEndPoint.ToString());
}
