using System.Globalization;
using WinsockSpi;
using WinsockSpi.Layering;

namespace LayeredProviderSample;

/// <summary>
/// The code a layered service provider puts around its calls to the next provider: it logs each call with its outcome,
/// counts the bytes sent and received (as Microsoft's classic layered-provider sample does), and logs each upcall
/// that comes back up through the layer.
/// </summary>
internal sealed class LoggingLayer(string name) : ILayerInterceptor
{
    private readonly Lock _lock = new();
    private readonly List<string> _log = [];

    public string Name { get; } = name;

    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    public int Upcalls { get; private set; }

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_lock)
            {
                return [.. _log];
            }
        }
    }

    public void ClearLog()
    {
        lock (_lock)
        {
            _log.Clear();
        }
    }

    public void OnCalled(in LayerCall layerCall, in LayerCallResult result)
    {
        string outcome = result.Error == WsaError.Success ? "0" : result.Error.ToSymbol();
        string args = layerCall.Entry switch
        {
            WspEntry.Send or WspEntry.Receive => string.Create(CultureInfo.InvariantCulture, $"{layerCall.Socket}, {layerCall.Length} bytes{(layerCall.Overlapped is null ? string.Empty : ", overlapped")}"),
            WspEntry.Startup or WspEntry.Cleanup or WspEntry.Socket or WspEntry.CancelBlockingCall => string.Empty,
            _ => layerCall.Socket.ToString(),
        };
        string extra = layerCall.Entry is WspEntry.Send or WspEntry.Receive && result.Error == WsaError.Success
            ? string.Create(CultureInfo.InvariantCulture, $" ({result.Bytes} bytes)")
            : layerCall.Entry == WspEntry.Cleanup && result.Forwarded ? " (final: the lower provider was cleaned up)" : string.Empty;
        lock (_lock)
        {
            if (layerCall.Entry == WspEntry.Send && result.Error == WsaError.Success)
            {
                BytesSent += result.Bytes;
            }
            else if (layerCall.Entry == WspEntry.Receive && result.Error == WsaError.Success)
            {
                BytesReceived += result.Bytes;
            }

            _log.Add($"WSP{(layerCall.Entry == WspEntry.Receive ? "Recv" : layerCall.Entry.ToString())}({args}) -> {outcome}{extra}");
        }
    }

    public void OnUpcall(in LayerUpcall upcall)
    {
        lock (_lock)
        {
            Upcalls++;
            _log.Add(string.Create(CultureInfo.InvariantCulture, $"upcall WPU{upcall.Kind}: {upcall.Error.ToSymbol()}, {upcall.Bytes} bytes"));
        }
    }
}
