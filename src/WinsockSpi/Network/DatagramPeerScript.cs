using System.Net;
using System.Net.Sockets;

namespace WinsockSpi.Network;

/// <summary>
/// What a scripted datagram address does, step by step: take the next datagram (exact bytes, a length, or any), reply
/// to its sender, send to an address, drop one, or stall. Give a script to
/// <see cref="SimulatedNetwork.AddDatagramPeer(EndPoint, DatagramPeerScript, int)"/>: the script reacts to each datagram
/// synchronously, on the thread whose send delivered it. Blocking client code (<c>sendto</c> then <c>recvfrom</c>)
/// therefore runs on the test thread alone: its send runs the script that replies, and its receive finds the reply
/// already queued.
/// </summary>
/// <remarks>
/// <para>A script is a list of steps built fluently
/// (<c>new DatagramPeerScript().Expect("PING"u8).Reply("PONG"u8)</c>). A step that needs a datagram waits when none is
/// queued, and the script resumes when one arrives. A script that runs out of steps leaves later datagrams queued at the
/// peer; <see cref="ScriptedDatagramPeer.Peer"/> then reads and sends by hand.</para>
/// <para>An expectation that fails (other bytes, another length) marks the run <see cref="ScriptedPeerStatus.Failed"/>
/// with a message naming the step, the datagram and the byte offset of the first difference, and the script stops:
/// later datagrams stay queued and nothing is sent, so a client that waits for a reply should bound its wait (a
/// <c>select</c> timeout on the fake clock, or the harness's watchdog). The failure is reported by
/// <see cref="ScriptedDatagramPeer.Failure"/>, never thrown into the client's call.</para>
/// <para>A script is not thread-safe to build; once given to a peer it must not change. One script may be given to
/// several peers: each run keeps its own position.</para>
/// </remarks>
public sealed class DatagramPeerScript
{
    private readonly List<DatagramStep> _steps = [];

    /// <summary>Gets the number of steps.</summary>
    public int StepCount => _steps.Count;

    internal IReadOnlyList<DatagramStep> Steps => _steps;

    /// <summary>Takes the next datagram, which must be exactly <paramref name="bytes"/>; its sender becomes the one <see cref="Reply"/> answers.</summary>
    /// <param name="bytes">The datagram expected (may be empty: an empty datagram).</param>
    /// <returns>This script.</returns>
    public DatagramPeerScript Expect(ReadOnlySpan<byte> bytes) => Add(new DatagramStep(DatagramStepKind.Expect, bytes.ToArray(), bytes.Length, null, null));

    /// <summary>Takes the next datagram, which must be <paramref name="length"/> bytes long, whatever they are.</summary>
    /// <param name="length">The length expected (0 or more).</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public DatagramPeerScript ExpectLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Add(new DatagramStep(DatagramStepKind.ExpectLength, [], length, null, null));
    }

    /// <summary>Takes the next datagram, whatever it is (<see cref="ScriptedDatagramPeer.Received"/> keeps it).</summary>
    /// <returns>This script.</returns>
    public DatagramPeerScript Receive() => Add(new DatagramStep(DatagramStepKind.Receive, [], 0, null, null));

    /// <summary>
    /// Takes the next datagram and ignores it, as a network that loses it would: nothing is answered, and the datagram
    /// counts in <see cref="ScriptedDatagramPeer.DatagramsIgnored"/>.
    /// </summary>
    /// <returns>This script.</returns>
    public DatagramPeerScript Drop() => Add(new DatagramStep(DatagramStepKind.Drop, [], 0, null, null));

    /// <summary>Sends <paramref name="bytes"/> to the sender of the last datagram taken; a run with no datagram taken yet fails.</summary>
    /// <param name="bytes">The reply (may be empty).</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is longer than any UDP datagram (65,527 bytes, IPv6's limit).</exception>
    public DatagramPeerScript Reply(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > DatagramEndpoint.MaxMessageSize(AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("The reply is longer than a UDP datagram can be.", nameof(bytes));
        }

        return Add(new DatagramStep(DatagramStepKind.Reply, bytes.ToArray(), bytes.Length, null, null));
    }

    /// <summary>Sends <paramref name="bytes"/> to <paramref name="to"/> (dropped by the network, as any datagram, when nothing is bound there).</summary>
    /// <param name="bytes">The datagram (may be empty).</param>
    /// <param name="to">The destination.</param>
    /// <returns>This script.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="to"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is longer than a UDP datagram of the family of <paramref name="to"/>.</exception>
    public DatagramPeerScript SendTo(ReadOnlySpan<byte> bytes, IPEndPoint to)
    {
        ArgumentNullException.ThrowIfNull(to);
        if (bytes.Length > DatagramEndpoint.MaxMessageSize(to.AddressFamily))
        {
            throw new ArgumentException("The datagram is longer than a UDP datagram can be.", nameof(bytes));
        }

        return Add(new DatagramStep(DatagramStepKind.SendTo, bytes.ToArray(), bytes.Length, to, null));
    }

    /// <summary>
    /// Stops reacting: later datagrams stay queued at the peer and nothing is sent. The run ends
    /// <see cref="ScriptedPeerStatus.Stalled"/>; later steps never run.
    /// </summary>
    /// <returns>This script.</returns>
    public DatagramPeerScript Stall() => Add(new DatagramStep(DatagramStepKind.Stall, [], 0, null, null));

    /// <summary>Runs <paramref name="action"/> on the peer (a step the script has no word for); an exception fails the run.</summary>
    /// <param name="action">What to do; it runs on the thread that delivered the datagram, with no lock held.</param>
    /// <returns>This script.</returns>
    public DatagramPeerScript Then(Action<DatagramPeer> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Add(new DatagramStep(DatagramStepKind.Action, [], 0, null, action));
    }

    /// <summary>Lists the steps.</summary>
    /// <returns>The text, for example <c>Expect 4 bytes "PING", Reply 4 bytes "PONG"</c>.</returns>
    public override string ToString() => _steps.Count == 0 ? "(no step)" : string.Join(", ", _steps);

    private DatagramPeerScript Add(DatagramStep step)
    {
        _steps.Add(step);
        return this;
    }
}

/// <summary>What one step of a <see cref="DatagramPeerScript"/> does.</summary>
internal enum DatagramStepKind
{
    /// <summary>Take a datagram that must equal the step's bytes.</summary>
    Expect,

    /// <summary>Take a datagram of the step's length.</summary>
    ExpectLength,

    /// <summary>Take any datagram.</summary>
    Receive,

    /// <summary>Take a datagram and ignore it.</summary>
    Drop,

    /// <summary>Send the step's bytes to the last sender.</summary>
    Reply,

    /// <summary>Send the step's bytes to the step's address.</summary>
    SendTo,

    /// <summary>Stop reacting.</summary>
    Stall,

    /// <summary>Run the step's action.</summary>
    Action,
}

/// <summary>One step of a <see cref="DatagramPeerScript"/>.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Bytes">The bytes expected or sent (empty for other kinds).</param>
/// <param name="Count">The length expected or sent.</param>
/// <param name="To">The destination of a <see cref="DatagramStepKind.SendTo"/> step.</param>
/// <param name="Action">The action of a <see cref="DatagramStepKind.Action"/> step.</param>
internal sealed record DatagramStep(DatagramStepKind Kind, byte[] Bytes, int Count, IPEndPoint? To, Action<DatagramPeer>? Action)
{
    /// <summary>Shows the step, with the first bytes as text when they are printable.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        DatagramStepKind.Expect => $"Expect {Count} bytes {ScriptStep.Show(Bytes)}",
        DatagramStepKind.ExpectLength => $"ExpectLength {Count}",
        DatagramStepKind.Reply => $"Reply {Count} bytes {ScriptStep.Show(Bytes)}",
        DatagramStepKind.SendTo => $"SendTo {To} {Count} bytes {ScriptStep.Show(Bytes)}",
        DatagramStepKind.Action => "Then (action)",
        _ => Kind.ToString(),
    };
}
