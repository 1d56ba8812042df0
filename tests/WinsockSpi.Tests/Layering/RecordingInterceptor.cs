using WinsockSpi.Layering;

namespace WinsockSpi.Tests.Layering;

/// <summary>An interceptor that records, in order, every call a layer handled and every upcall it passed up; it can refuse calls.</summary>
internal sealed class RecordingInterceptor : ILayerInterceptor
{
    private readonly Lock _lock = new();
    private readonly List<(LayerCall Call, LayerCallResult Result)> _calls = [];
    private readonly List<LayerUpcall> _upcalls = [];

    /// <summary>Gets or sets the code to refuse calls of <see cref="RefuseEntry"/> with; Success lets everything through.</summary>
    public WsaError Refusal { get; set; }

    public WspEntry? RefuseEntry { get; set; }

    public IReadOnlyList<(LayerCall Call, LayerCallResult Result)> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<LayerUpcall> Upcalls
    {
        get
        {
            lock (_lock)
            {
                return [.. _upcalls];
            }
        }
    }

    private int _calling;

    public int CallingCount => Volatile.Read(ref _calling);

    public WsaError OnCalling(in LayerCall layerCall)
    {
        Interlocked.Increment(ref _calling);
        return layerCall.Entry == RefuseEntry ? Refusal : WsaError.Success;
    }

    public void OnCalled(in LayerCall layerCall, in LayerCallResult result)
    {
        lock (_lock)
        {
            _calls.Add((layerCall, result));
        }
    }

    public void OnUpcall(in LayerUpcall upcall)
    {
        lock (_lock)
        {
            _upcalls.Add(upcall);
        }
    }

    public IReadOnlyList<(LayerCall Call, LayerCallResult Result)> CallsOf(WspEntry entry) => [.. Calls.Where(c => c.Call.Entry == entry)];

    public IReadOnlyList<LayerUpcall> UpcallsOf(LayerUpcallKind kind) => [.. Upcalls.Where(u => u.Kind == kind)];

    public void Clear()
    {
        lock (_lock)
        {
            _calls.Clear();
            _upcalls.Clear();
        }
    }
}
