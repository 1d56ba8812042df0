using WinsockSpi.Network;
using WinsockSpi.Provider;
using WinsockSpi.Tracing;

namespace WinsockSpi.Samples;

/// <summary>
/// The <c>--trace</c> option every sample accepts: the networks the sample attaches record into one
/// <see cref="TraceRecorder"/>, and the sample ends by printing the trace as a Mermaid sequence diagram (docs/tracing.md).
/// </summary>
internal static class SampleTrace
{
    private static TraceRecorder? s_recorder;

    /// <summary>Turns tracing on when the command line holds <c>--trace</c>.</summary>
    public static void Start(string[] args)
    {
        if (args.Contains("--trace"))
        {
            s_recorder = new TraceRecorder();
        }
    }

    /// <summary>Records everything on <paramref name="network"/> when tracing is on.</summary>
    public static SimulatedNetwork Attach(SimulatedNetwork network)
    {
        if (s_recorder is not null)
        {
            network.Recorder = s_recorder;
        }

        return network;
    }

    /// <summary>Records everything on the provider's network when tracing is on.</summary>
    public static ProviderRuntime Attach(ProviderRuntime runtime)
    {
        Attach(runtime.Network);
        return runtime;
    }

    /// <summary>Writes a note into the trace (a new part of the sample), when tracing is on.</summary>
    public static void Note(string text) => s_recorder?.Note(text);

    /// <summary>Prints the trace as a Mermaid diagram in a code fence, when tracing is on.</summary>
    public static void Print()
    {
        if (s_recorder is null)
        {
            return;
        }

        Console.WriteLine($"Trace ({s_recorder.Count} steps), as a Mermaid sequence diagram:");
        Console.WriteLine("```mermaid");
        Console.Write(s_recorder.ToMermaid());
        Console.WriteLine("```");
    }
}
