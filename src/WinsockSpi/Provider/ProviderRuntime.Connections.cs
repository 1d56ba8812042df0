using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>WSPBind: gives the socket a local endpoint; port 0 picks a free one. Datagram addresses are a port space of their own (DGM-4).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="localEndPoint">An <see cref="IPEndPoint"/> of the socket's family.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (not an IP endpoint), WSAEAFNOSUPPORT, WSAEINVAL (already bound), WSAEADDRINUSE.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="localEndPoint"/> is <see langword="null"/>.</exception>
    private SpiResult BindCore(SocketHandle socket, EndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (localEndPoint is not IPEndPoint ip)
            {
                return WsaError.Fault;
            }

            if (ip.AddressFamily != s!.Family)
            {
                return WsaError.AddressFamilyNotSupported;
            }

            if (s.Phase != SocketPhase.Created)
            {
                return WsaError.InvalidArgument;
            }

            if (!s.IsStream)
            {
                return s.BindDatagram_NeedsLock(socket, ip); // datagram addresses are a port space of their own (DGM-4)
            }

            error = Network.TryBind(ip, out var bound);
            if (error != WsaError.Success)
            {
                return error;
            }

            s.LocalEndPoint = bound;
            s.OwnsBinding = true;
            s.Phase = SocketPhase.Bound;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPListen: makes a bound stream socket accept connections.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="backlog">The most connections waiting to be accepted; beyond it connects are refused.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (not bound), WSAEISCONN, WSAEOPNOTSUPP (not a stream socket), WSAEADDRINUSE.</returns>
    private SpiResult ListenCore(SocketHandle socket, int backlog)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (!s!.IsStream)
            {
                return WsaError.OperationNotSupported;
            }

            switch (s.Phase)
            {
                case SocketPhase.Listening:
                    s.BacklogLimit = Math.Clamp(backlog, 1, 200);
                    return SpiResult.Success;
                case SocketPhase.Connected or SocketPhase.Reset or SocketPhase.Broken:
                    return WsaError.IsConnected;
                case SocketPhase.Created:
                    return WsaError.InvalidArgument;
            }

            error = Network.TryListen(s.LocalEndPoint!, s);
            if (error != WsaError.Success)
            {
                return error;
            }

            s.OwnsBinding = false;
            s.Backlog ??= new Queue<Connection>();
            s.BacklogLimit = Math.Clamp(backlog, 1, 200);
            s.Phase = SocketPhase.Listening;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPAccept: takes the oldest waiting connection as a new socket.</summary>
    /// <param name="socket">A listening handle.</param>
    /// <returns>
    /// The new handle; or WSANOTINITIALISED, WSAENOTSOCK, WSAEOPNOTSUPP (a datagram socket), WSAEINVAL (not listening), WSAEWOULDBLOCK (non-blocking, none
    /// waiting), WSAEMFILE, WSAEINTR (a blocking accept cancelled, or the socket closed, or the final cleanup).
    /// </returns>
    /// <remarks>A blocking accept waits for a connection, calling the blocking hook (BLK-1, BLK-2).</remarks>
    private SpiResult<SocketHandle> AcceptCore(SocketHandle socket)
    {
        var notifications = default(Notifications);
        OperationRecord? op = null;
        SpiResult<SocketHandle> accepted = default;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (!s!.IsStream)
            {
                return WsaError.OperationNotSupported; // a datagram socket has no connections to accept (WSPAccept)
            }

            if (s.Phase != SocketPhase.Listening)
            {
                return WsaError.InvalidArgument;
            }

            s.Reenable_NeedsLock(NetworkEvents.Accept); // ASY-2: an accept re-enables FD_ACCEPT
            if (s.Backlog!.Count > 0)
            {
                accepted = AcceptFromBacklog_NeedsLock(s, s.Backlog.Dequeue(), ref notifications);
            }
            else if (!s.Blocking)
            {
                return WsaError.WouldBlock;
            }
            else
            {
                error = CheckBlockingAllowed();
                if (error != WsaError.Success)
                {
                    return error;
                }

                op = BeginBlocking_NeedsLock(s, socket, OperationKind.Accept);
                s.Enqueue_NeedsLock(op);
            }
        }

        if (op is null)
        {
            Dispatch(ref notifications); // what the new socket found waiting, a further FD_ACCEPT
            return accepted;
        }

        var result = WaitBlocking(op);
        return result == WsaError.Success ? op.Extras.AcceptedHandle : result;
    }

    /// <summary>
    /// WSPConnect: connects a stream socket to a listener on the network (a <see cref="PeerListener"/> or a listening
    /// socket of any provider). The connection is established at once.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="remoteEndPoint">The listener's endpoint.</param>
    /// <returns>
    /// Success; WSAEWOULDBLOCK for a non-blocking socket (the connection is nevertheless made, and FD_CONNECT and
    /// FD_WRITE are recorded as Windows would once it completes; or, when refused, select reports the socket in its
    /// except set until the next connect, SLT-1); WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT, WSAEAFNOSUPPORT, WSAEINVAL
    /// (listening), WSAEISCONN, WSAECONNREFUSED (a blocking socket). On a datagram socket it sets the default
    /// destination and the only accepted source at once (DGM-1, DGM-3): WSAEADDRNOTAVAIL for the wildcard address or port 0.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    private SpiResult ConnectCore(SocketHandle socket, EndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        Connection connection;
        IListenerTarget? target;
        bool blocking;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (remoteEndPoint is not IPEndPoint ip)
            {
                return WsaError.Fault;
            }

            if (ip.AddressFamily != s!.Family)
            {
                return WsaError.AddressFamilyNotSupported;
            }

            if (!s.IsStream)
            {
                return ConnectDatagram_NeedsLock(socket, s, ip); // the default destination and source filter (DGM-1, DGM-3)
            }

            switch (s.Phase)
            {
                case SocketPhase.Listening:
                    return WsaError.InvalidArgument;
                case SocketPhase.Connected or SocketPhase.Reset or SocketPhase.Broken:
                    return WsaError.IsConnected;
            }

            s.ConnectError = WsaError.Success; // a new attempt forgets the failure of the last one (SLT-1)
            target = Network.FindListener(ip);
            if (target is not null)
            {
                if (s.LocalEndPoint is null)
                {
                    var any = new IPEndPoint(s.Family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0);
                    error = Network.TryBind(any, out var local);
                    if (error != WsaError.Success)
                    {
                        return error;
                    }

                    s.LocalEndPoint = local;
                    s.OwnsBinding = true;
                }

                connection = new Connection(Network, s.LocalEndPoint, ip, SendBufferOf(s), target.SendBufferSize);
                if (_faults is { } faults)
                {
                    connection.Faults = faults; // the provider's own plan also covers the connections its sockets make
                }

                s.Attach_NeedsLock(connection.Initiator, ip);
            }
            else
            {
                connection = null!;
                if (!s.Blocking)
                {
                    // A non-blocking connect reports its failure later, as Windows does: the call returns WSAEWOULDBLOCK
                    // and select shows the socket in its except set (SLT-1).
                    s.ConnectError = WsaError.ConnectionRefused;
                    WakeSelects_NeedsLock();
                }
            }

            blocking = s.Blocking;
        }

        if (target is null)
        {
            Log.ConnectRefused(_logger, remoteEndPoint);
            return blocking ? WsaError.ConnectionRefused : WsaError.WouldBlock;
        }

        // The listener is called with no provider lock held: it may be a socket of this very provider.
        bool accepted = target.Offer(connection);
        if (!accepted)
        {
            // The listener went away or its backlog is full: the attempt is refused and the socket may try again.
            connection.Acceptor.Reset();
        }

        var notifications = default(Notifications);
        using (_lock.Enter())
        {
            // The socket may have been closed meanwhile: then nothing is recorded for it (SEL-2).
            if (_table.Find(socket) is { } s && s.End == connection.Initiator)
            {
                if (!accepted)
                {
                    s.Detach_NeedsLock();
                    if (!blocking)
                    {
                        s.ConnectError = WsaError.ConnectionRefused; // reported by select's except set (SLT-1)
                    }
                }
                else
                {
                    s.RecordEvent_NeedsLock(NetworkEvents.Connect, WsaError.Success, ref notifications);
                    s.RecordEvent_NeedsLock(NetworkEvents.Write, WsaError.Success, ref notifications);

                    // Not selected now: FD_CONNECT is recorded once if event select later asks for it.
                    if (!blocking && (s.SelectMask & NetworkEvents.Connect) == 0)
                    {
                        s.Latches |= EventLatch.ConnectOwed;
                    }
                }

                WakeSelects_NeedsLock();
            }
        }

        Dispatch(ref notifications);
        if (!accepted)
        {
            Log.ConnectRefused(_logger, remoteEndPoint);
            return blocking ? WsaError.ConnectionRefused : WsaError.WouldBlock;
        }

        return blocking ? SpiResult.Success : WsaError.WouldBlock;
    }

    /// <summary>WSPShutdown: stops sending (a FIN after the data already sent), receiving, or both.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="how">Which directions.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAENOTCONN.</returns>
    private SpiResult ShutdownCore(SocketHandle socket, SocketShutdown how)
    {
        ConnectionEnd? kick;
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.Phase != SocketPhase.Connected)
            {
                return s.Phase == SocketPhase.Reset ? WsaError.ConnectionReset : WsaError.NotConnected;
            }

            kick = s.Shut_NeedsLock(how);
        }

        kick?.Signal();
        return SpiResult.Success;
    }

    /// <summary>WSPGetSockName: the socket's local endpoint.</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The endpoint; or WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL when not bound.</returns>
    private SpiResult<EndPoint> GetSockNameCore(SocketHandle socket)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            return error != WsaError.Success ? error
                : s!.LocalEndPoint is { } ep ? ep
                : WsaError.InvalidArgument;
        }
    }

    /// <summary>WSPGetPeerName: the connected peer's endpoint.</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The endpoint; or WSANOTINITIALISED, WSAENOTSOCK, WSAENOTCONN.</returns>
    private SpiResult<EndPoint> GetPeerNameCore(SocketHandle socket)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            return error != WsaError.Success ? error
                : s!.RemoteEndPoint is { } ep && s.Phase == SocketPhase.Connected ? ep
                : WsaError.NotConnected;
        }
    }

    /// <summary>
    /// Associates a socket with a completion port (CreateIoCompletionPort on a socket handle): from then on, overlapped
    /// operations of the socket without a completion routine post a packet with <paramref name="completionKey"/> (OVL-4).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="port">The port.</param>
    /// <param name="completionKey">The key each packet of the socket carries.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL when the socket is already associated with a port.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="port"/> is <see langword="null"/>.</exception>
    private SpiResult AssociateCompletionPortCore(SocketHandle socket, CompletionPort port, nuint completionKey)
    {
        ArgumentNullException.ThrowIfNull(port);
        var key = completionKey;
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.Port is not null)
            {
                return WsaError.InvalidArgument;
            }

            s.Port = port;
            s.CompletionKey = key;
            return SpiResult.Success;
        }
    }

    /// <summary>Called by the network when a connection arrives at a listening socket.</summary>
    internal bool OfferConnection(ProviderSocket listener, Connection connection)
    {
        var notifications = default(Notifications);
        using (_lock.Enter())
        {
            if (listener.Phase != SocketPhase.Listening || !ListensAt(listener.LocalEndPoint!, (IPEndPoint)connection.Acceptor.LocalEndPoint) ||
                listener.Backlog!.Count >= listener.BacklogLimit)
            {
                return false;
            }

            listener.Backlog.Enqueue(connection);
            var op = FirstWaitingAccept(listener);
            if (op is { Kind: OperationKind.AcceptEx })
            {
                AttachAcceptEx_NeedsLock(listener, op, listener.Backlog.Dequeue(), atOnce: false, ref notifications); // EXT-1
            }
            else if (op is not null && op.TryClaim())
            {
                var accepted = AcceptFromBacklog_NeedsLock(listener, listener.Backlog.Dequeue(), ref notifications);
                op.Extras.AcceptedHandle = accepted.IsSuccess ? accepted.Value : default;
                listener.Finish_NeedsLock(op, accepted.IsSuccess ? OperationStatus.Completed : OperationStatus.Failed, accepted.Error, 0, SocketFlags.None, ref notifications);
            }
            else
            {
                listener.RecordEvent_NeedsLock(NetworkEvents.Accept, WsaError.Success, ref notifications);
                WakeSelects_NeedsLock(); // the listener is readable (SLT-1)
            }
        }

        Dispatch(ref notifications);
        return true;
    }

    /// <summary>Whether a listening socket (possibly on the wildcard address) is the one an arriving connection targets.</summary>
    private static bool ListensAt(IPEndPoint listening, IPEndPoint target)
        => listening.Port == target.Port
            && (listening.Address.Equals(target.Address) || SimulatedNetwork.IsWildcard(listening.Address));

    private SpiResult<SocketHandle> AcceptFromBacklog_NeedsLock(ProviderSocket listener, Connection connection, ref Notifications notifications)
    {
        AssertLockHeld();
        var s = RentSocket_NeedsLock();
        if (!_table.TryAdd(s, out var handle))
        {
            _pool.Push(s);
            connection.Acceptor.Reset();
            notifications.Kick(connection.Initiator);
            return WsaError.TooManyOpenSockets;
        }

        s.Init_NeedsLock(listener.Family, listener.Type, listener.Protocol);
        s.LocalEndPoint = (IPEndPoint)connection.Acceptor.LocalEndPoint;
        s.Attach_NeedsLock(connection.Acceptor, connection.Acceptor.RemoteEndPoint);

        // Data or a FIN may already wait; later events (FD_READ) are recorded from here on.
        if (listener.Backlog!.Count > 0)
        {
            listener.RecordEvent_NeedsLock(NetworkEvents.Accept, WsaError.Success, ref notifications);
        }

        s.Pump_NeedsLock(ref notifications);
        return handle;
    }

    /// <summary>Called (with no lock held) when a connection end of one of this provider's sockets changed.</summary>
    internal void OnConnectionChanged(ProviderSocket s, ConnectionEnd end)
    {
        var notifications = default(Notifications);
        using (_lock.Enter())
        {
            if (s.End != end || s.HandleCount == 0)
            {
                return; // A stale signal for a socket object that has been closed or reused.
            }

            CatchUpWithConnection_NeedsLock(s, ref notifications);
        }

        Dispatch(ref notifications);
    }

    /// <summary>
    /// What a change of its connection makes a socket do, whether the end's signal brought it or a send or receive found
    /// the socket behind its connection (<see cref="ProviderSocket.IsBehindConnection_NeedsLock"/>): the pump, then a new
    /// look at the waiting selects (data, room, a close or a reset may make one of their sockets ready).
    /// </summary>
    private void CatchUpWithConnection_NeedsLock(ProviderSocket s, ref Notifications notifications)
    {
        AssertLockHeld();
        s.Pump_NeedsLock(ref notifications);
        WakeSelects_NeedsLock();
    }
}
