using System.Runtime.ExceptionServices;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>
/// What a provider call must make known once it has released its lock: operations to notify, connection ends
/// to signal, event-select events to set. Notifications never run under the lock (DESIGN: exactly once).
/// </summary>
internal struct Notifications
{
    private const int KickSetThreshold = 16;

    private WsaOverlapped? _head;
    private WsaOverlapped? _tail;
    private ConnectionEnd? _kick;
    private List<ConnectionEnd>? _kicks;
    private HashSet<ConnectionEnd>? _kickSet;
    private WsaEvent? _event;
    private List<WsaEvent>? _events;

    public readonly bool IsEmpty => _head is null && _kick is null && _event is null;

    public void Add(WsaOverlapped op)
    {
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

    public void Kick(ConnectionEnd end)
    {
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

    public void SetEvent(WsaEvent ev)
    {
        if (_event is null || _event == ev)
        {
            _event = ev;
            return;
        }

        _events ??= [];
        _events.Add(ev);
    }

    public readonly WsaOverlapped? FirstOperation => _head;

    public readonly void SignalEndsAndEvents(ref ExceptionDispatchInfo? failure)
    {
        // A throwing event or listener (user code) must not stop the others; try/catch costs nothing until a throw.
        try
        {
            _event?.Set();
        }
        catch (Exception ex)
        {
            failure ??= ExceptionDispatchInfo.Capture(ex);
        }

        try
        {
            _kick?.Signal();
        }
        catch (Exception ex)
        {
            failure ??= ExceptionDispatchInfo.Capture(ex);
        }

        if (_events is not null || _kicks is not null)
        {
            SignalTheRest(ref failure);
        }
    }

    private readonly void SignalTheRest(ref ExceptionDispatchInfo? failure)
    {
        foreach (var ev in _events ?? [])
        {
            try
            {
                ev.Set();
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        foreach (var end in _kicks ?? (IEnumerable<ConnectionEnd>)[])
        {
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
