using System.Globalization;
using System.Text;

namespace WinsockSpi.Tracing;

/// <summary>One step of a trace, in the order the <see cref="TraceRecorder"/> saw it.</summary>
/// <param name="Sequence">The position in the trace, from 1.</param>
/// <param name="Kind">What the step records.</param>
/// <param name="Name">The call, upcall, notification or action (for example <c>WSPSend</c>, <c>WPUQueueApc</c>, <c>Write</c>).</param>
/// <param name="Thread">The thread that made the step, numbered from 1 in the order threads first appear in the trace.</param>
/// <param name="Process">The simulated process id (1 for the first process of the network), or 0 when the step belongs to none.</param>
/// <param name="Provider">The provider, by the tag of its handles (1 for the first provider of the network), or 0 when none.</param>
/// <param name="Socket">The socket handle, as <c>0x…</c>, or <see langword="null"/>.</param>
/// <param name="Error">The Winsock result, or <see langword="null"/> when the step has none.</param>
/// <param name="Value">A number the step produced or moved (bytes, a count), or <see langword="null"/>.</param>
/// <param name="Detail">Anything else worth reading (an endpoint, a new handle, the fault), or <see langword="null"/>.</param>
public sealed record TraceEvent(
    long Sequence,
    TraceEventKind Kind,
    string Name,
    int Thread,
    int Process,
    int Provider,
    string? Socket,
    WsaError? Error,
    long? Value,
    string? Detail)
{
    /// <summary>Shows the step on one line, for example <c>#4 T1 Call WSPRecv process 1 provider 1 socket 0x1000000400000 → WSA_IO_PENDING</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append('#').Append(Sequence.ToString(CultureInfo.InvariantCulture))
            .Append(" T").Append(Thread.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(Kind.ToString())
            .Append(' ').Append(Name);
        if (Process != 0)
        {
            text.Append(" process ").Append(Process.ToString(CultureInfo.InvariantCulture));
        }

        if (Provider != 0)
        {
            text.Append(" provider ").Append(this.Provider.ToString(CultureInfo.InvariantCulture));
        }

        if (Socket is not null)
        {
            text.Append(" socket ").Append(Socket);
        }

        if (Detail is not null)
        {
            text.Append(' ').Append(Detail);
        }

        if (Error is { } error)
        {
            text.Append(" → ").Append(error.ToSymbol());
        }

        if (Value is { } value)
        {
            text.Append(Error is null ? " → " : " ").Append(value.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
