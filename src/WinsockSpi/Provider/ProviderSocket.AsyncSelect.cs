using WinsockSpi.Operations;
using WinsockSpi.Processes;

namespace WinsockSpi.Provider;

// WSPAsyncSelect on the socket (ASY-1..3): the network events that event select records are posted as window messages
// instead, one per event until the call that re-enables it.
internal sealed partial class ProviderSocket
{
    /// <summary>The window of the WSPAsyncSelect association; <see langword="null"/> when there is none (event select or nothing).</summary>
    public SimulatedWindow? AsyncWindow;

    /// <summary>The message number the association posts.</summary>
    public int AsyncMessage;

    /// <summary>The handle WSPAsyncSelect was called with: each message's wParam.</summary>
    public SocketHandle AsyncHandle;

    /// <summary>The level-triggered events (FD_READ, FD_ACCEPT) posted and not re-enabled since (ASY-2).</summary>
    public NetworkEvents AsyncPosted;

    /// <summary>
    /// Starts a WSPAsyncSelect association (or, with no events, ends any association): it replaces the event-select or
    /// window association the socket had, forgets what was recorded or posted, and makes the socket non-blocking (ASY-1).
    /// </summary>
    public void AsyncSelect_NeedsLock(SocketHandle handle, SimulatedWindow? window, int message, NetworkEvents events, ref Notifications notifications)
    {
        AssertLock();
        SelectEvent = null;
        SelectMask = events;
        Recorded = NetworkEvents.None;
        Blocking = false;
        AsyncWindow = events == NetworkEvents.None ? null : window;
        AsyncMessage = message;
        AsyncHandle = handle;
        AsyncPosted = NetworkEvents.None;
        if (events != NetworkEvents.None)
        {
            // ASY-2: what is already true is posted at once.
            RecordCurrentConditions_NeedsLock(ref notifications);
        }
    }

    /// <summary>Ends a window association, leaving an event-select one alone (WSPEventSelect replaces it, the final cleanup drops it).</summary>
    public void DropAsyncSelect_NeedsLock()
    {
        AssertLock();
        if (AsyncWindow is not null)
        {
            AsyncWindow = null;
            SelectMask = NetworkEvents.None;
        }

        AsyncPosted = NetworkEvents.None;
    }

    /// <summary>
    /// The call that re-enables <paramref name="e"/> ran (a receive for FD_READ, an accept for FD_ACCEPT): the next time
    /// the event is true it is posted again (ASY-2).
    /// </summary>
    public void Reenable_NeedsLock(NetworkEvents e)
    {
        AssertLock();
        AsyncPosted &= ~e;
    }

    /// <summary>
    /// Lists the message of a selected network event, unless a level-triggered event was already posted and not
    /// re-enabled. FD_WRITE, FD_CONNECT and FD_CLOSE are decided once by the socket's latches (WriteOwed,
    /// ConnectOwed, CloseRecorded), as for event select.
    /// </summary>
    private void PostEvent_NeedsLock(NetworkEvents e, WsaError error, ref Notifications notifications)
    {
        if (e is NetworkEvents.Read or NetworkEvents.Accept)
        {
            if ((AsyncPosted & e) != 0)
            {
                return;
            }

            AsyncPosted |= e;
        }

        notifications.PostMessage(AsyncWindow!, AsyncMessage, AsyncHandle.Value, Winsock.MakeSelectReply((int)e, (int)error), this);
    }
}
