namespace WinsockSpi.Provider;

/// <summary>The flags of SetFileCompletionNotificationModes on a socket handle (EXT-4).</summary>
[Flags]
public enum CompletionNotificationModes
{
    /// <summary>Every overlapped operation without a completion routine posts a packet to the socket's port.</summary>
    None = 0,

    /// <summary>
    /// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (0x1): an operation that completes at once (OVL-1) posts no packet; its event
    /// is still set. An operation that pends still posts one when it ends.
    /// </summary>
    SkipCompletionPortOnSuccess = 0x1,

    /// <summary>
    /// FILE_SKIP_SET_EVENT_ON_HANDLE (0x2): the file handle's own event is not set when an operation completes. Recorded
    /// as given; a simulated socket handle has no event of its own, so nothing else changes (the event of the overlapped
    /// object is set as before).
    /// </summary>
    SkipSetEventOnHandle = 0x2,
}
