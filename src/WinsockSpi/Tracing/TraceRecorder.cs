namespace WinsockSpi.Tracing;

/// <summary>
/// Records, in order, what happens on a simulated network or provider: every service-provider call with its result,
/// every upcall, every notification (event set, completion routine run, packet posted, window message), every network
/// event and every action of a remote peer, each with its thread, process, provider and socket.
/// </summary>
/// <remarks>
/// <para>Attach it to <c>SimulatedNetwork.Recorder</c> (everything on that network records) or to one
/// <c>ProviderRuntime.Recorder</c> (that provider's calls, upcalls and notifications). Nothing is recorded, and nothing
/// costs more than a null check, while no recorder is attached.</para>
/// <para>Values in a trace depend only on the scenario: threads are numbered in the order they first appear, processes
/// and providers are numbered per network, handles and ephemeral ports are issued per network. The same single-threaded
/// scenario gives the same trace, byte for byte, in any test order (<see cref="TraceComparison"/>).</para>
/// <para>Thread-safe. Recording takes the recorder's own lock briefly and runs no user code, so it may happen under a
/// provider's lock; steps of concurrent threads appear in the order they took that lock.</para>
/// </remarks>
public sealed class TraceRecorder
{
    private readonly Lock _lock = new();
    private readonly List<TraceEvent> _events = [];
    private readonly Dictionary<Thread, int> _threads = [];

    /// <summary>Creates an empty recorder.</summary>
    /// <param name="maxEvents">The most steps kept; later steps are counted in <see cref="DroppedCount"/> but not kept.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEvents"/> is below 1.</exception>
    public TraceRecorder(int maxEvents = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        MaxEvents = maxEvents;
    }

    /// <summary>Gets the most steps kept.</summary>
    public int MaxEvents { get; }

    /// <summary>Gets how many steps were not kept because <see cref="MaxEvents"/> were already recorded.</summary>
    public long DroppedCount { get; private set; }

    /// <summary>Gets the number of steps kept.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Gets a copy of the steps recorded so far, in order.</summary>
    public IReadOnlyList<TraceEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Forgets every step and thread number: the next step is #1 on thread 1.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _events.Clear();
            _threads.Clear();
            DroppedCount = 0;
        }
    }

    /// <summary>Writes a note of the test into the trace (it shows in the diagram as a note).</summary>
    /// <param name="text">The note.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public void Note(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Record(TraceEventKind.Note, "Note", 0, 0, null, null, null, text);
    }

    /// <summary>Gives the trace as JSON (the schema is in docs/tracing.md).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => TraceJson.Serialize(Events);

    /// <summary>Gives the trace as a Mermaid sequence diagram.</summary>
    /// <returns>The diagram, without the surrounding code fence.</returns>
    public string ToMermaid() => TraceMermaid.Render(Events);

    /// <summary>Records one step. Runs no user code; safe under any lock of the simulator.</summary>
    internal void Record(TraceEventKind kind, string name, int process, int provider, SocketHandle? socket, WsaError? error, long? value, string? detail)
    {
        var thread = Thread.CurrentThread;
        lock (_lock)
        {
            if (_events.Count >= MaxEvents)
            {
                DroppedCount++;
                return;
            }

            if (!_threads.TryGetValue(thread, out int number))
            {
                number = _threads.Count + 1;
                _threads.Add(thread, number);
            }

            _events.Add(new TraceEvent(_events.Count + 1, kind, name, number, process, provider, socket?.ToString(), error, value, detail));
        }
    }
}
