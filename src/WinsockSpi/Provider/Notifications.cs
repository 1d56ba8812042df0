using System.Runtime.ExceptionServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

/// <summary>
/// What a provider call must make known once it has released its lock: operations to notify, event-select events to
/// set, connection ends to signal. Notifications never run under the lock (DESIGN: exactly once). Each operation and
/// event is a delivery counted by its socket from the moment it is decided (under the lock) until it has been made
/// known, so a close or the final cleanup can wait for it (CLN-13).
/// </summary>
internal partial struct Notifications
{
    private const int KickSetThreshold = 16;

    private OperationRecord? _head;
    private OperationRecord? _tail;
    private ConnectionEnd? _kick;
    private List<ConnectionEnd>? _kicks;
    private HashSet<ConnectionEnd>? _kickSet;
    private NotificationEvents _ev;
    private List<PendingMessage>? _messages; // window messages (ASY-1): Notifications.Messages.cs

    public readonly bool IsEmpty => _head is null && _kick is null && _ev.First.Event is null && _messages is null;

    /// <summary>Gets whether there are operations or events to deliver (counted deliveries), not only ends to signal.</summary>
    public readonly bool HasDeliveries => _head is not null || _ev.First.Event is not null || _messages is not null;

    /// <summary>Gets the first operation to notify; the rest follow through <see cref="OperationRecord.NotifyNext"/>.</summary>
    public readonly OperationRecord? FirstOperation => _head;

    /// <summary>Gets whether the batch sets an event object.</summary>
    public readonly bool HasEvents => _ev.First.Event is not null;

    /// <summary>Gets the event objects the batch sets.</summary>
    public readonly NotificationEvents Events => _ev;

    /// <summary>Lists an ended operation of <paramref name="socket"/> for notification, counting the delivery (CLN-13).</summary>
    public void Add(OperationRecord op, ProviderSocket socket)
    {
        socket.AddDelivery_NeedsLock();
        op.DeliveringFor = socket;
        op.NotifyNext = null;
        if (_tail is null)
        {
            _head = op;
        }
        else
        {
            _tail.NotifyNext = op;
        }

        _tail = op;
    }

    /// <summary>Lists an event-select event of <paramref name="socket"/> to set, once per batch, counting the delivery (CLN-13).</summary>
    public void SetEvent(WsaEvent ev, ProviderSocket socket)
    {
        if (_ev.First.Event is null)
        {
            socket.AddDelivery_NeedsLock();
            _ev.First = (ev, socket);
            return;
        }

        if (_ev.First == (ev, socket) || (_ev.More?.Contains((ev, socket)) ?? false))
        {
            return;
        }

        socket.AddDelivery_NeedsLock();
        (_ev.More ??= []).Add((ev, socket));
    }

    /// <summary>
    /// Lists a connection end to signal (not a notification of this provider: the end belongs to the network). An end that
    /// nobody listens to now (a harness peer's) is not listed: its signal would find no listener, and whoever attaches one
    /// later catches up on what the end already holds right after attaching (every attach is followed by a pump).
    /// </summary>
    public void Kick(ConnectionEnd end)
    {
        if (end.Listener is null)
        {
            return;
        }

        if (_kick is null || _kick == end)
        {
            _kick = end;
            return;
        }

        _kicks ??= [];
        if (_kicks.Count < KickSetThreshold)
        {
            if (!_kicks.Contains(end))
            {
                _kicks.Add(end);
            }

            return;
        }

        // A final cleanup kicks the peer of every socket: past a few ends, look them up in a set so the pass stays
        // linear; the list keeps the order in which they are signalled.
        _kickSet ??= [.. _kicks];
        if (_kickSet.Add(end))
        {
            _kicks.Add(end);
        }
    }

    /// <summary>Counts, for a close called from inside this batch's delivery, the deliveries of <paramref name="socket"/> not yet made.</summary>
    public static int Undelivered(OperationRecord? fromOperation, in NotificationEvents events, int fromEvent, ProviderSocket socket)
    {
        int n = 0;
        for (var op = fromOperation; op is not null; op = op.NotifyNext)
        {
            n += op.DeliveringFor == socket ? 1 : 0;
        }

        for (int i = fromEvent; i <= (events.More?.Count ?? 0); i++)
        {
            var entry = i == 0 ? events.First : events.More![i - 1];
            n += entry.Event is not null && entry.Socket == socket ? 1 : 0;
        }

        return n;
    }

    public readonly void SetEvents(DeliveryScope scope, ref ExceptionDispatchInfo? failure)
    {
        for (int i = 0; i <= (_ev.More?.Count ?? 0); i++)
        {
            var (ev, socket) = i == 0 ? _ev.First : _ev.More![i - 1];
            if (ev is null)
            {
                continue;
            }

            scope.NextEvent = i + 1;
            scope.Current = socket;
            try
            {
                socket.Runtime.Trace(TraceEventKind.EventSet, "EventSet", null, null, null, "event select");
                Telemetry.Notification("event");
                ev.Set();
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                scope.Current = null;
                socket.RemoveDelivery();
            }
        }

        scope.NextEvent = int.MaxValue;
    }

    /// <summary>Signals the connection ends; a throwing listener does not stop the others.</summary>
    public readonly void SignalEnds(ref ExceptionDispatchInfo? failure)
    {
        try
        {
            _kick?.Signal();
        }
        catch (Exception ex)
        {
            failure ??= ExceptionDispatchInfo.Capture(ex);
        }

        for (int i = 0; i < (_kicks?.Count ?? 0); i++)
        {
            var end = _kicks![i];
            try
            {
                end.Signal();
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }
    }
}

/// <summary>The event objects a batch sets, each with the socket it is counted for, in order, without duplicates.</summary>
internal struct NotificationEvents
{
    /// <summary>The first one (most batches set at most one).</summary>
    public (WsaEvent Event, ProviderSocket Socket) First;

    /// <summary>The others, or null.</summary>
    public List<(WsaEvent Event, ProviderSocket Socket)>? More;
}
