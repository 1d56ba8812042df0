using System.Globalization;
using System.Text;

namespace WinsockSpi.Tracing;

/// <summary>
/// Draws a trace as a Mermaid sequence diagram: one participant per thread, per provider, the upcall table, the windows,
/// the network and the remote peers; a call is an arrow from its thread to its provider and a dashed arrow back with the
/// result; a window message is an arrow from its provider to the windows; other notifications are notes over the thread
/// that made them.
/// </summary>
public static class TraceMermaid
{
    private const string Upcalls = "Up";
    private const string Network = "Net";
    private const string Peers = "Peer";
    private const string Windows = "Win";

    /// <summary>Renders the steps as a diagram (the text between <c>```mermaid</c> and <c>```</c>).</summary>
    /// <param name="events">The steps.</param>
    /// <returns>The diagram, lines ending with <c>\n</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> is <see langword="null"/>.</exception>
    public static string Render(IReadOnlyList<TraceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var text = new StringBuilder("sequenceDiagram\n");
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            foreach (var (id, label) in ParticipantsOf(e))
            {
                if (declared.Add(id))
                {
                    text.Append("    participant ").Append(id).Append(" as ").Append(label).Append('\n');
                }
            }
        }

        foreach (var e in events)
        {
            AppendStep(text, e);
        }

        return text.ToString();
    }

    private static IEnumerable<(string Id, string Label)> ParticipantsOf(TraceEvent e)
    {
        switch (e.Kind)
        {
            case TraceEventKind.Call:
                yield return (Thread(e), "Thread " + Number(e.Thread));
                yield return (Provider(e), ProviderLabel(e));
                break;
            case TraceEventKind.Upcall:
                yield return (Provider(e), ProviderLabel(e));
                yield return (Upcalls, "Upcall table");
                break;
            case TraceEventKind.Network:
                yield return (Network, "Network");
                break;
            case TraceEventKind.Peer:
                yield return (Peers, "Remote peers");
                yield return (Network, "Network");
                break;
            case TraceEventKind.WindowMessage when e.Provider != 0:
                yield return (Provider(e), ProviderLabel(e));
                yield return (Windows, "Windows (message queues)");
                break;
            case TraceEventKind.Fault when e.Provider != 0:
                yield return (Provider(e), ProviderLabel(e));
                break;
            case TraceEventKind.Fault:
                yield return (Network, "Network");
                break;
            default:
                yield return (Thread(e), "Thread " + Number(e.Thread));
                break;
        }
    }

    private static void AppendStep(StringBuilder text, TraceEvent e)
    {
        string socket = e.Socket is null ? string.Empty : " " + e.Socket;
        string detail = e.Detail is null ? string.Empty : " " + e.Detail;
        switch (e.Kind)
        {
            case TraceEventKind.Call:
                Line(text, $"{Thread(e)}->>{Provider(e)}: {e.Name}({e.Socket}){detail}");
                Line(text, $"{Provider(e)}-->>{Thread(e)}: {Result(e)}");
                break;
            case TraceEventKind.Upcall:
                Line(text, $"{Provider(e)}-){Upcalls}: {e.Name}{socket}{ResultSuffix(e)}");
                break;
            case TraceEventKind.WindowMessage when e.Provider != 0:
                Line(text, $"{Provider(e)}-){Windows}: {e.Name}{socket}{detail}{ResultSuffix(e)}");
                break;
            case TraceEventKind.EventSet:
            case TraceEventKind.CompletionRoutine:
            case TraceEventKind.PacketPosted:
            case TraceEventKind.WindowMessage:
                Line(text, $"Note over {Thread(e)}: {e.Name}{socket}{detail}{ResultSuffix(e)}");
                break;
            case TraceEventKind.Network:
                Line(text, $"Note over {Network}: {e.Name}{socket}{detail}{ValueSuffix(e)}");
                break;
            case TraceEventKind.Peer:
                Line(text, $"{Peers}->>{Network}: {e.Name}{detail}{ValueSuffix(e)}");
                break;
            case TraceEventKind.Fault:
                Line(text, $"Note over {(e.Provider != 0 ? Provider(e) : Network)}: fault {e.Name}{socket}{detail}");
                break;
            default:
                Line(text, $"Note over {Thread(e)}: {e.Detail}");
                break;
        }
    }

    private static void Line(StringBuilder text, string line) => text.Append("    ").Append(Escape(line)).Append('\n');

    // Mermaid ends a statement at ';' and reads '#' as the start of an entity.
    private static string Escape(string line)
    {
        if (line.AsSpan().IndexOfAny('#', ';') < 0)
        {
            return line;
        }

        var text = new StringBuilder(line.Length + 8);
        foreach (char c in line)
        {
            _ = c switch
            {
                '#' => text.Append("#35;"),
                ';' => text.Append("#59;"),
                _ => text.Append(c),
            };
        }

        return text.ToString();
    }

    private static string Thread(TraceEvent e) => "T" + Number(e.Thread);

    private static string Provider(TraceEvent e) => "P" + Number(e.Process) + "_" + Number(e.Provider);

    private static string ProviderLabel(TraceEvent e) => $"Provider {Number(e.Provider)} (process {Number(e.Process)})";

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Result(TraceEvent e) => e.Error is { } error && error != WsaError.Success
        ? error.ToSymbol()
        : e.Value is { } value ? value.ToString(CultureInfo.InvariantCulture) : "0";

    private static string ResultSuffix(TraceEvent e) => e.Error is { } error ? " → " + error.ToSymbol() + ValueSuffix(e) : ValueSuffix(e);

    private static string ValueSuffix(TraceEvent e) => e.Value is { } value ? " (" + value.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty;
}
