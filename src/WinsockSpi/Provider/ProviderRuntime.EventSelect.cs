using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// WSPEventSelect: records the network events in <paramref name="events"/> and sets <paramref name="eventObject"/> when one is
    /// recorded; makes the socket non-blocking. A new call replaces the association; <see cref="NetworkEvents.None"/> removes it (SEL-1).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="eventObject">The event to set; may be <see langword="null"/> only with <see cref="NetworkEvents.None"/>.</param>
    /// <param name="events">The events to record.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (no event for a non-empty mask, or unknown bits).</returns>
    private SpiResult EventSelectCore(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events)
    {
        var notifications = default(Notifications);
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if ((events & ~NetworkEvents.All) != 0 || (events != NetworkEvents.None && eventObject is null))
            {
                return WsaError.InvalidArgument;
            }

            s!.DropAsyncSelect_NeedsLock(); // ASY-1: event select replaces a window association
            s.SelectEvent = events == NetworkEvents.None ? null : eventObject;
            s.SelectMask = events;
            s.Recorded = NetworkEvents.None;
            s.Blocking = false;
            if (events != NetworkEvents.None)
            {
                s.RecordCurrentConditions_NeedsLock(ref notifications);
            }
        }

        Dispatch(ref notifications);
        return SpiResult.Success;
    }

    /// <summary>WSPEnumNetworkEvents: reads and clears the events recorded since the last call, and resets <paramref name="resetEvent"/> (SEL-1).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="resetEvent">An event to reset, normally the selected one.</param>
    /// <returns>The recorded events and their error codes; or WSANOTINITIALISED, WSAENOTSOCK.</returns>
    private SpiResult<NetworkEventRecord> EnumNetworkEventsCore(SocketHandle socket, WsaEvent? resetEvent = null)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            var recorded = s!.Recorded;
            s.Recorded = NetworkEvents.None;
            resetEvent?.Reset();
            return new NetworkEventRecord(recorded, CloseError: (recorded & NetworkEvents.Close) != 0 ? s.CloseError : WsaError.Success);
        }
    }
}
