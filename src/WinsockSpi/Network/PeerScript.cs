using System.Text;

namespace WinsockSpi.Network;

/// <summary>
/// What a scripted far end of one connection does, step by step: read or expect the client's bytes, reply, close,
/// reset, or stall. Give scripts to a <see cref="PeerListener"/> with <see cref="PeerListener.Script(PeerScript[])"/>:
/// each new connection takes the next script, and the script reacts to what arrives synchronously, on the thread whose
/// call moved the bytes. A blocking client therefore runs on the test thread alone: its send runs the script that
/// replies, and its receive finds the reply already waiting, with no second thread and no polling.
/// </summary>
/// <remarks>
/// <para>A script is a list of steps built fluently (<c>new PeerScript().Expect("PING"u8).Reply("PONG"u8).Close()</c>).
/// A step that needs something the client has not done yet (bytes not sent, a close not made, buffer room not free)
/// waits, and the script resumes when the network signals the peer's end. A script that runs out of steps leaves the
/// connection as it is; <see cref="ScriptedPeer.Peer"/> then drives it by hand.</para>
/// <para>An expectation that fails (other bytes, a close or a reset too early) marks the run
/// <see cref="ScriptedPeerStatus.Failed"/> with a message naming the step and the byte offset in the stream, and resets
/// the connection so the client cannot hang on it. The failure is reported by the listener's
/// <see cref="ScriptedPeer.Failure"/>, never thrown into the client's call.</para>
/// <para>A script is not thread-safe to build; once given to a listener it must not change. One script may be given for
/// several connections: each run keeps its own position.</para>
/// </remarks>
public sealed class PeerScript
{
    private readonly List<ScriptStep> _steps = [];
    private bool _refuses;

    /// <summary>Gets the number of steps.</summary>
    public int StepCount => _steps.Count;

    /// <summary>Gets whether the script refuses the connection (<see cref="Refuse"/>).</summary>
    public bool RefusesConnection => _refuses;

    internal IReadOnlyList<ScriptStep> Steps => _steps;

    /// <summary>Creates a script that refuses its connection: the client's connect fails with WSAECONNREFUSED.</summary>
    /// <returns>The script; it takes no further step.</returns>
    public static PeerScript Refuse() => new() { _refuses = true };

    /// <summary>Reads exactly <paramref name="bytes"/> from the client; any other byte fails the run naming its offset.</summary>
    /// <param name="bytes">The bytes the client must send next (at least one).</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Expect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("An expectation needs at least one byte.", nameof(bytes));
        }

        return Add(new ScriptStep(ScriptStepKind.Expect, bytes.ToArray(), bytes.Length, null));
    }

    /// <summary>Reads <paramref name="count"/> bytes from the client, whatever they are (<see cref="ScriptedPeer.Received"/> keeps them).</summary>
    /// <param name="count">The number of bytes (at least one).</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Read(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Add(new ScriptStep(ScriptStepKind.Read, [], count, null));
    }

    /// <summary>Waits for the client's graceful close (FIN) with no byte before it; more data or a reset fails the run.</summary>
    /// <returns>This script.</returns>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript ExpectClose() => Add(new ScriptStep(ScriptStepKind.ExpectClose, [], 0, null));

    /// <summary>Sends <paramref name="bytes"/> to the client; what does not fit its receive side is sent as room opens.</summary>
    /// <param name="bytes">The bytes (at least one).</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Reply(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("A reply needs at least one byte.", nameof(bytes));
        }

        return Add(new ScriptStep(ScriptStepKind.Reply, bytes.ToArray(), bytes.Length, null));
    }

    /// <summary>Closes the peer's sending side gracefully (FIN, <see cref="RemotePeer.Close"/>).</summary>
    /// <returns>This script.</returns>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Close() => Add(new ScriptStep(ScriptStepKind.Close, [], 0, null));

    /// <summary>Resets the connection (RST, <see cref="RemotePeer.Reset"/>): the client sees WSAECONNRESET (OVL-8).</summary>
    /// <returns>This script.</returns>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Reset() => Add(new ScriptStep(ScriptStepKind.Reset, [], 0, null));

    /// <summary>
    /// Stops reacting: the connection stays open, nothing more is read or written (the client's sends fill the buffers,
    /// its receives wait). The run ends <see cref="ScriptedPeerStatus.Stalled"/>; later steps never run.
    /// </summary>
    /// <returns>This script.</returns>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Stall() => Add(new ScriptStep(ScriptStepKind.Stall, [], 0, null));

    /// <summary>Runs <paramref name="action"/> on the peer (a step the script has no word for); an exception fails the run.</summary>
    /// <param name="action">What to do; it runs on the thread that moved the bytes, with no lock held.</param>
    /// <returns>This script.</returns>
    /// <exception cref="InvalidOperationException">The script refuses its connection.</exception>
    public PeerScript Then(Action<RemotePeer> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Add(new ScriptStep(ScriptStepKind.Action, [], 0, action));
    }

    /// <summary>Lists the steps.</summary>
    /// <returns>The text, for example <c>Expect 4 bytes "PING", Reply 4 bytes "PONG", Close</c>.</returns>
    public override string ToString() => _refuses ? "Refuse" : _steps.Count == 0 ? "(no step)" : string.Join(", ", _steps);

    private PeerScript Add(ScriptStep step)
    {
        if (_refuses)
        {
            throw new InvalidOperationException("A script that refuses its connection takes no further step.");
        }

        _steps.Add(step);
        return this;
    }
}

/// <summary>What one step of a <see cref="PeerScript"/> does.</summary>
internal enum ScriptStepKind
{
    /// <summary>Read exactly the step's bytes.</summary>
    Expect,

    /// <summary>Read the step's count of bytes, whatever they are.</summary>
    Read,

    /// <summary>Wait for the client's FIN with nothing before it.</summary>
    ExpectClose,

    /// <summary>Write the step's bytes.</summary>
    Reply,

    /// <summary>Send a FIN.</summary>
    Close,

    /// <summary>Reset the connection.</summary>
    Reset,

    /// <summary>Stop reacting.</summary>
    Stall,

    /// <summary>Run the step's action.</summary>
    Action,
}

/// <summary>One step of a <see cref="PeerScript"/>.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Bytes">The bytes expected or replied (empty for other kinds).</param>
/// <param name="Count">The bytes the step moves (0 for steps that move none).</param>
/// <param name="Action">The action of a <see cref="ScriptStepKind.Action"/> step.</param>
internal sealed record ScriptStep(ScriptStepKind Kind, byte[] Bytes, int Count, Action<RemotePeer>? Action)
{
    /// <summary>Shows the step, with the first bytes as text when they are printable.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        ScriptStepKind.Expect => $"Expect {Count} bytes {Show(Bytes)}",
        ScriptStepKind.Read => $"Read {Count} bytes",
        ScriptStepKind.ExpectClose => "ExpectClose",
        ScriptStepKind.Reply => $"Reply {Count} bytes {Show(Bytes)}",
        ScriptStepKind.Action => "Then (action)",
        _ => Kind.ToString(),
    };

    /// <summary>Shows one byte as hex and, when printable, as a character: <c>0x50 'P'</c>.</summary>
    internal static string ShowByte(byte b) => b is >= 0x20 and < 0x7F ? $"0x{b:X2} '{(char)b}'" : $"0x{b:X2}";

    internal static string Show(byte[] bytes)
    {
        const int Shown = 32;
        var head = bytes.AsSpan(0, Math.Min(bytes.Length, Shown));
        foreach (byte b in head)
        {
            if (b is < 0x20 or >= 0x7F)
            {
                return Convert.ToHexString(head) + (bytes.Length > Shown ? "..." : string.Empty);
            }
        }

        return "\"" + Encoding.ASCII.GetString(head) + (bytes.Length > Shown ? "...\"" : "\"");
    }
}
