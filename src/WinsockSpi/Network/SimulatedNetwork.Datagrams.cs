using System.Net;

namespace WinsockSpi.Network;

public sealed partial class SimulatedNetwork
{
    private readonly Dictionary<IPEndPoint, DatagramEndpoint> _datagrams = [];

    // The wildcard bindings again, by family and port: a message to a concrete address finds them without allocating.
    private readonly Dictionary<(System.Net.Sockets.AddressFamily Family, int Port), DatagramEndpoint> _wildcardDatagrams = [];
    private int _nextDatagramPort = FirstEphemeralPort;
    private readonly List<DatagramEndpoint> _heldSenders = [];
    private volatile bool _holdDatagrams;
    private long _datagramsDelivered;

    // Bumped under the lock by every datagram bind and unbind: a route cached at one value is still right while it holds.
    private long _datagramBindings;
    private long _datagramsDropped;

    /// <summary>Gets the datagrams the network delivered into a receive queue (DGM-1).</summary>
    public long DatagramsDelivered => Interlocked.Read(ref _datagramsDelivered);

    /// <summary>
    /// Gets the datagrams the network dropped: sent to an address where nothing is bound, to a full receive queue, or to
    /// a connected datagram socket from another address (DGM-3). The sender never sees a drop.
    /// </summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    /// <summary>
    /// Gets or sets whether the network holds datagram sends back, as a busy interface does: while true, a send from a
    /// simulated socket waits in its socket's send queue (overlapped: WSA_IO_PENDING; blocking: it blocks; non-blocking:
    /// WSAEWOULDBLOCK). Setting it false lets every waiting send go, in order. This is how a test reaches a pending
    /// WSPSendTo (DGM-5). Harness peers are never held.
    /// </summary>
    /// <value>The default is <see langword="false"/>: a datagram send completes at once.</value>
    public bool HoldDatagrams
    {
        get
        {
            lock (_lock)
            {
                return _holdDatagrams;
            }
        }

        set
        {
            DatagramEndpoint[] released;
            lock (_lock)
            {
                _holdDatagrams = value;
                if (value || _heldSenders.Count == 0)
                {
                    return;
                }

                released = [.. _heldSenders];
                _heldSenders.Clear();
            }

            foreach (var sender in released)
            {
                sender.SignalSendsReleased(); // its socket sends what waits, under its own provider's lock
            }
        }
    }

    /// <summary>
    /// Binds a harness datagram peer: simulated datagram sockets send to it and it sends to them (DGM-1..3). Datagram
    /// addresses are a port space of their own (as UDP's is beside TCP's).
    /// </summary>
    /// <param name="endPoint">An <see cref="IPEndPoint"/>; port 0 picks a free port.</param>
    /// <param name="receiveBufferSize">The most bytes of messages its queue holds; 0 takes <see cref="DefaultBufferSize"/>.</param>
    /// <returns>The peer; dispose it to release the address.</returns>
    /// <exception cref="ArgumentException">The endpoint is not an <see cref="IPEndPoint"/>, or is already bound for datagrams.</exception>
    public DatagramPeer BindDatagram(EndPoint endPoint, int receiveBufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(receiveBufferSize);
        if (endPoint is not IPEndPoint ip)
        {
            throw new ArgumentException("The simulated network carries IP endpoints only.", nameof(endPoint));
        }

        var error = TryBindDatagram(ip, receiveBufferSize == 0 ? _defaultBufferSize : receiveBufferSize, null, owner: null, out var bound);
        return error switch
        {
            WsaError.Success => new DatagramPeer(this, bound!),
            WsaError.AddressAlreadyInUse => throw new ArgumentException($"{ip} is already bound for datagrams on this network.", nameof(endPoint)),
            _ => throw new InvalidOperationException("The simulated network has no free ephemeral port left."),
        };
    }

    /// <summary>
    /// Binds a datagram address: WSAEADDRINUSE when it is taken (DGM-4), WSAENOBUFS when no ephemeral port is left.
    /// <paramref name="owner"/> names the socket that binds it, for the state dump; <see langword="null"/> for a harness peer. An endpoint with an owner sends only under its provider's lock, so it remembers its route (<see cref="DatagramEndpoint.CachesRoute"/>).
    /// </summary>
    internal WsaError TryBindDatagram(IPEndPoint requested, int capacity, IDatagramListener? listener, string? owner, out DatagramEndpoint? endpoint)
    {
        lock (_lock)
        {
            var address = requested;
            if (requested.Port == 0)
            {
                address = NextDatagramPort_NeedsLock(requested.Address)!;
                if (address is null)
                {
                    endpoint = null;
                    return WsaError.NoBufferSpaceAvailable;
                }
            }
            else if (DatagramInUse_NeedsLock(requested))
            {
                endpoint = null;
                return WsaError.AddressAlreadyInUse;
            }

            endpoint = new DatagramEndpoint(address, capacity, listener, owner);
            _datagrams.Add(address, endpoint);
            Volatile.Write(ref _datagramBindings, _datagramBindings + 1);
            if (IsWildcard(address.Address))
            {
                _wildcardDatagrams.Add((address.AddressFamily, address.Port), endpoint);
            }

            return WsaError.Success;
        }
    }

    /// <summary>
    /// Registers <paramref name="sender"/> to be signalled when the network lets datagrams go, if it holds them now.
    /// </summary>
    /// <returns>Whether the network holds datagrams (the send must wait).</returns>
    internal bool TryHoldSender(DatagramEndpoint sender)
    {
        if (!_holdDatagrams)
        {
            // Not holding (read without the lock: every send asks): a hold set meanwhile applies from the next send on.
            return false;
        }

        lock (_lock)
        {
            if (!_holdDatagrams)
            {
                return false;
            }

            if (!_heldSenders.Contains(sender))
            {
                _heldSenders.Add(sender);
            }

            return true;
        }
    }

    /// <summary>Releases a datagram address at once: its queued messages are discarded and the address is free (DGM-4).</summary>
    internal void UnbindDatagram(DatagramEndpoint endpoint)
    {
        lock (_lock)
        {
            if (_datagrams.TryGetValue(endpoint.LocalEndPoint, out var current) && current == endpoint)
            {
                _datagrams.Remove(endpoint.LocalEndPoint);
                Volatile.Write(ref _datagramBindings, _datagramBindings + 1);
                _heldSenders.Remove(endpoint);
                if (IsWildcard(endpoint.LocalEndPoint.Address))
                {
                    _wildcardDatagrams.Remove((endpoint.LocalEndPoint.AddressFamily, endpoint.LocalEndPoint.Port));
                }
            }
        }

        endpoint.Close();
    }

    /// <summary>
    /// Sends one message from <paramref name="from"/> to <paramref name="to"/>: queued whole at the endpoint bound there
    /// (an exact match, else the wildcard address of that port), or dropped and counted (DGM-1, DGM-3).
    /// </summary>
    /// <returns>
    /// The endpoint that queued the message, to signal once the caller's locks are released; null when dropped. When it
    /// returns an endpoint, the message is in its queue and a full fence (the interlocked count of deliveries) came after,
    /// which the listener's lock-free check relies on (<see cref="IDatagramListener.OnDatagramArrived"/>).
    /// </returns>
    internal DatagramEndpoint? SendDatagram(DatagramEndpoint from, IPEndPoint to, ReadOnlySpan<byte> data)
    {
        var target = Route(from, to);
        if (target is not null && target.Offer(data, from.SourceEndPoint))
        {
            Interlocked.Increment(ref _datagramsDelivered); // also the full fence after the message is queued (see above)
            return target;
        }

        Interlocked.Increment(ref _datagramsDropped);
        return null;
    }

    /// <summary>
    /// Where a message to <paramref name="to"/> goes now: for a sender that remembers its route, that route while it is
    /// for the same destination and no datagram address was bound or released since it was looked up (the count is read
    /// without the lock); else a lookup under the lock, which such a sender then remembers. A send that races with an
    /// unbind finds the endpoint closed (<see cref="DatagramEndpoint.Offer"/>), as it did when its lookup came just
    /// before the unbind. Nothing is allocated.
    /// </summary>
    private DatagramEndpoint? Route(DatagramEndpoint from, IPEndPoint to)
    {
        if (from.CachesRoute && from.LastRoute.Matches(to, Volatile.Read(ref _datagramBindings)))
        {
            return from.LastRoute.Target;
        }

        DatagramEndpoint? target;
        long bindings;
        lock (_lock)
        {
            bindings = _datagramBindings;
            if (!_datagrams.TryGetValue(to, out target) && !IsWildcard(to.Address))
            {
                _wildcardDatagrams.TryGetValue((to.AddressFamily, to.Port), out target);
            }
        }

        if (from.CachesRoute)
        {
            from.LastRoute.Set(to, target, bindings);
        }

        return target;
    }

    private IPEndPoint? NextDatagramPort_NeedsLock(IPAddress address)
    {
        for (int i = 0; i < 65536 - FirstEphemeralPort; i++)
        {
            var candidate = new IPEndPoint(address, _nextDatagramPort);
            _nextDatagramPort = _nextDatagramPort == 65535 ? FirstEphemeralPort : _nextDatagramPort + 1;
            if (!DatagramInUse_NeedsLock(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether a datagram address conflicts with a bound one: the same address, or the same port where one of the two is the wildcard.</summary>
    private bool DatagramInUse_NeedsLock(IPEndPoint ep)
    {
        if (_datagrams.ContainsKey(ep))
        {
            return true;
        }

        if (!IsWildcard(ep.Address))
        {
            return _wildcardDatagrams.ContainsKey((ep.AddressFamily, ep.Port));
        }

        foreach (var other in _datagrams.Keys)
        {
            if (other.Port == ep.Port && other.AddressFamily == ep.AddressFamily)
            {
                return true;
            }
        }

        return false;
    }
}
