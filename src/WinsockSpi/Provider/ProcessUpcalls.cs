using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

/// <summary>
/// The upcall table of a <see cref="SimulatedProcess"/>, as ws2_32 would supply it: APCs go to the process's
/// per-thread queues, completions set the event and post to the completion port, window messages go to the window's
/// queue, and the blocking hook is whatever <see cref="BlockingHook"/> holds.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ProcessUpcalls : IUpcalls
{
    /// <summary>Creates the table for <paramref name="process"/>.</summary>
    /// <param name="process">The client process.</param>
    public ProcessUpcalls(SimulatedProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        Process = process;
    }

    /// <summary>Gets the client process.</summary>
    public SimulatedProcess Process { get; }

    /// <summary>Gets or sets the blocking hook (WSASetBlockingHook).</summary>
    /// <value>The default is <see langword="null"/>: a blocked call just waits.</value>
    public BlockingCallback? BlockingHook { get; set; }

    /// <inheritdoc/>
    public BlockingCallback? QueryBlockingCallback() => BlockingHook;

    /// <inheritdoc/>
    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
        => Process.QueueApc(thread, routine, context);

    /// <inheritdoc/>
    public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion.Overlapped);
        return Complete(completion, observe: true);
    }

    /// <summary>
    /// Sets the completion's event and posts its packet; with <paramref name="observe"/> false, records and counts
    /// nothing, so no user code (a trace sink, a metrics listener) runs: the provider's quiet delivery path.
    /// </summary>
    internal WsaError Complete(in OverlappedCompletion completion, bool observe)
    {
        var recorder = observe ? Process.Network.Recorder : null;
        if (completion.Event is { } ev)
        {
            recorder?.Record(TraceEventKind.EventSet, "EventSet", Process.Id, 0, completion.Socket, completion.Error, completion.BytesTransferred, "overlapped");
            if (observe)
            {
                Telemetry.Notification("event");
            }

            ev.Set();
        }

        if (completion.Port is { } port)
        {
            recorder?.Record(TraceEventKind.PacketPosted, "PacketPosted", Process.Id, 0, completion.Socket, completion.Error, completion.BytesTransferred, "key " + completion.CompletionKey);
            if (observe)
            {
                Telemetry.Notification("port");
            }

            port.Post(new CompletionPacket(completion.CompletionKey, completion.BytesTransferred, completion.Overlapped, completion.PortStatus));
        }

        return WsaError.Success;
    }

    /// <inheritdoc/>
    public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam)
    {
        ArgumentNullException.ThrowIfNull(window);
        return window.PostMessage(message, wParam, lParam) ? WsaError.Success : WsaError.InvalidHandle;
    }
}
