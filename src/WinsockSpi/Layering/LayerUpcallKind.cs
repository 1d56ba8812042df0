namespace WinsockSpi.Layering;

/// <summary>The upcalls a provider makes through its upcall table (WSPUPCALLTABLE).</summary>
public enum LayerUpcallKind
{
    /// <summary>WPUQueryBlockingCallback: a call is about to block (BLK-2).</summary>
    QueryBlockingCallback,

    /// <summary>WPUQueueApc: a completion routine is queued to its thread (OVL-4).</summary>
    QueueApc,

    /// <summary>WPUCompleteOverlappedRequest: an overlapped operation without a completion routine ended (OVL-4, CLS-2).</summary>
    CompleteOverlappedRequest,

    /// <summary>WPUPostMessage: a window message for a network event of a socket selected with WSPAsyncSelect (ASY-1).</summary>
    PostMessage,
}
