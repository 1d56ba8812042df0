namespace WinsockSpi.Operations;

/// <summary>How the end of an operation is made known to the application (OVL-4).</summary>
public enum NotificationKind
{
    /// <summary>An overlapped operation with neither an event, a routine nor a completion port: only its status changes.</summary>
    None = 0,

    /// <summary>The overlapped object's event is set.</summary>
    Event = 1,

    /// <summary>A completion routine is queued to the initiating thread.</summary>
    CompletionRoutine = 2,

    /// <summary>A packet is posted to the completion port the socket is associated with (and the event, if any, is set).</summary>
    CompletionPort = 3,

    /// <summary>A blocking call: the waiting thread returns.</summary>
    BlockingCall = 4,
}
