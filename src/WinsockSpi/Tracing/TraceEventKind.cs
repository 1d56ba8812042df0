namespace WinsockSpi.Tracing;

/// <summary>What a <see cref="TraceEvent"/> records.</summary>
public enum TraceEventKind
{
    /// <summary>A service-provider call (WSPSend, WSPStartup, ...), recorded when it returns, with its result.</summary>
    Call,

    /// <summary>An upcall the provider made through its upcall table (WPUQueueApc, WPUCompleteOverlappedRequest).</summary>
    Upcall,

    /// <summary>A notification: an event object was set (an overlapped completion or an event-select event).</summary>
    EventSet,

    /// <summary>A notification: a completion routine ran on its thread.</summary>
    CompletionRoutine,

    /// <summary>A notification: a packet was posted to a completion port.</summary>
    PacketPosted,

    /// <summary>A notification: a window message was posted (WSAAsyncSelect).</summary>
    WindowMessage,

    /// <summary>Something the network did: a connection made, data taken, a FIN, a reset, a change of availability.</summary>
    Network,

    /// <summary>Something the harness made a remote peer do: accept, write, read, close, reset.</summary>
    Peer,

    /// <summary>A fault of a fault plan fired.</summary>
    Fault,

    /// <summary>A note the test wrote into the trace.</summary>
    Note,
}
