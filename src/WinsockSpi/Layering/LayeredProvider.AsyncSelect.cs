using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Layering;

// WSPAsyncSelect through the layer, and the layer's WPUPostMessage (ASY-1..3).
public sealed partial class LayeredProvider
{
    /// <inheritdoc cref="ProviderRuntime.AsyncSelect"/>
    /// <remarks>Forwarded to the lower provider; its messages come back through the layer's upcall table (<see cref="LayerUpcallKind.PostMessage"/>).</remarks>
    public SpiResult AsyncSelect(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events)
    {
        using var f = Begin(WspEntry.AsyncSelect, socket);
        return f.Lower is { } lower ? Done(in f, lower.AsyncSelect(socket, window, message, events)) : Refused(in f);
    }

    /// <summary>
    /// The layer's WPUPostMessage: shows the message to the interceptor, then passes it to the table most recently given to
    /// the layer's startup (STA-7), or posts it to the window itself when there is none yet, as every client table does.
    /// </summary>
    private WsaError PostMessageUpcall(SimulatedWindow window, int message, nuint wParam, nint lParam)
    {
        ArgumentNullException.ThrowIfNull(window);
        _interceptor?.OnUpcall(new LayerUpcall(this, LayerUpcallKind.PostMessage, null, (WsaError)Winsock.GetSelectError(lParam), 0, window.Owner.ManagedThreadId));
        if ((Volatile.Read(ref _upcalls) ?? _fallbackUpcalls) is { } target)
        {
            return target.PostMessage(window, message, wParam, lParam);
        }

        return window.PostMessage(message, wParam, lParam) ? WsaError.Success : WsaError.InvalidHandle;
    }
}
