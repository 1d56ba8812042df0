using WinsockSpi.Processes;

namespace WinsockSpi.Provider;

/// <summary>
/// The upcall table (WSPUPCALLTABLE) a client hands to WSPStartup: the services the provider calls back into.
/// The table most recently given to startup is the one the provider uses (STA-7).
/// </summary>
/// <remarks>
/// <see cref="ProcessUpcalls"/> is the table ws2_32 would supply. Implement this interface (or wrap that class)
/// to observe or alter every notification a provider makes. Members are called with no provider lock held.
/// </remarks>
public interface IUpcalls
{
    /// <summary>WPUQueryBlockingCallback: gives the hook to call while a call blocks (BLK-2), or <see langword="null"/>.</summary>
    /// <returns>The hook.</returns>
    BlockingCallback? QueryBlockingCallback();

    /// <summary>WPUQueueApc: queues <paramref name="routine"/> to a thread of the client process (OVL-4).</summary>
    /// <param name="thread">The thread (WSATHREADID): the one that started the operation.</param>
    /// <param name="routine">The routine.</param>
    /// <param name="context">Its argument.</param>
    /// <returns>Success, or the error.</returns>
    WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context);

    /// <summary>
    /// WPUCompleteOverlappedRequest: makes the end of an overlapped operation without a completion routine known
    /// (sets its event, posts a completion-port packet) (OVL-4, CLS-2).
    /// </summary>
    /// <param name="completion">The operation and its outcome.</param>
    /// <returns>Success, or the error.</returns>
    WsaError CompleteOverlappedRequest(in OverlappedCompletion completion);

    /// <summary>
    /// WPUPostMessage: posts a window message for the provider (a network event of a socket selected with WSPAsyncSelect,
    /// ASY-1). The provider calls it with no lock held, after the decision, and only while the association stands.
    /// </summary>
    /// <param name="window">The window the message goes to.</param>
    /// <param name="message">The message number.</param>
    /// <param name="wParam">The socket.</param>
    /// <param name="lParam">WSAMAKESELECTREPLY(event, error).</param>
    /// <returns>Success, or the error (WSA_INVALID_HANDLE when the window is no longer valid: the message is discarded).</returns>
    WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam);
}
