using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Layering;

public sealed partial class LayeredProvider
{
    /// <summary>
    /// The layer's own upcall table, passed down to the lower provider: it shows each upcall to the interceptor and
    /// forwards it to the table most recently given to the layer's startup (STA-7), or the process's table before that.
    /// The notification of an operation started through the layer in a period that its final cleanup has ended is
    /// suppressed here (CLN-4): nothing is shown or passed up, and a completion routine is reported as not queued, so
    /// the provider frees its overlapped object.
    /// </summary>
    private sealed class LayerUpcalls(LayeredProvider layer) : IUpcalls
    {
        private IUpcalls? Target => Volatile.Read(ref layer._upcalls) ?? layer._fallbackUpcalls;

        public BlockingCallback? QueryBlockingCallback()
        {
            layer._interceptor?.OnUpcall(new LayerUpcall(layer, LayerUpcallKind.QueryBlockingCallback, null, WsaError.Success, 0, Environment.CurrentManagedThreadId));
            return Target?.QueryBlockingCallback();
        }

        public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
        {
            var epoch = layer.BeginUpcall(context, out bool suppress);
            if (suppress)
            {
                // Not queued: the provider then frees the overlapped object, whose status already reads 995.
                return WsaError.OperationAborted;
            }

            try
            {
                if (layer._interceptor is { } interceptor)
                {
                    var op = context as WsaOverlapped;
                    interceptor.OnUpcall(new LayerUpcall(layer, LayerUpcallKind.QueueApc, op, op?.Error ?? WsaError.Success, op?.BytesTransferred ?? 0, thread.ManagedThreadId));
                }

                // Without any client table there is no thread to queue to: as for a process that is gone.
                return Target?.QueueApc(thread, routine, context) ?? WsaError.InvalidHandle;
            }
            finally
            {
                if (epoch is not null)
                {
                    layer.Deactivate(epoch);
                }
            }
        }

        public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
        {
            var epoch = layer.BeginUpcall(completion.Overlapped, out bool suppress);
            if (suppress)
            {
                return WsaError.Success; // Silently, as the final cleanup aborts (CLN-4): no event, no packet.
            }

            try
            {
                layer._interceptor?.OnUpcall(new LayerUpcall(layer, LayerUpcallKind.CompleteOverlappedRequest, completion.Overlapped, completion.Error, completion.BytesTransferred, Environment.CurrentManagedThreadId));
                if (Target is { } target)
                {
                    return target.CompleteOverlappedRequest(in completion);
                }

                // No client table yet: do what every client table does with a completion, set the event and post the packet.
                completion.Event?.Set();
                completion.Port?.Post(new CompletionPacket(completion.CompletionKey, completion.BytesTransferred, completion.Overlapped, completion.PortStatus));
                return WsaError.Success;
            }
            finally
            {
                if (epoch is not null)
                {
                    layer.Deactivate(epoch);
                }
            }
        }

        public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam) => layer.PostMessageUpcall(window, message, wParam, lParam);
    }
}
