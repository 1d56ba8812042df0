using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>WSPSocket: creates a socket (SOC-1, SOC-2).</summary>
    /// <param name="family">InterNetwork or InterNetworkV6.</param>
    /// <param name="type">Stream (data path, TCP) or Dgram (lifecycle only: its data calls give WSAEOPNOTSUPP).</param>
    /// <param name="protocol">Tcp or Udp to match the type; Unspecified picks it.</param>
    /// <returns>
    /// The handle; or WSANOTINITIALISED, WSAEAFNOSUPPORT, WSAESOCKTNOSUPPORT, WSAEPROTONOSUPPORT, or WSAEMFILE when the
    /// table is full.
    /// </returns>
    public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return StartedOr(WsaError.AddressFamilyNotSupported);
        }

        if (type is not (SocketType.Stream or SocketType.Dgram))
        {
            return StartedOr(WsaError.SocketNotSupported);
        }

        var expected = type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp;
        if (protocol != expected && protocol is not (ProtocolType.Unspecified or ProtocolType.IP))
        {
            return StartedOr(WsaError.ProtocolNotSupported);
        }

        SocketHandle handle;
        int full = -1;
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                return WsaError.NotInitialized;
            }

            var socket = RentSocket_NeedsLock();
            socket.Family = family;
            socket.Type = type;
            socket.Protocol = expected;
            if (!_table.TryAdd(socket, out handle))
            {
                _pool.Push(socket);
                full = _table.Count;
            }
            else
            {
                socket.HandleCount = 1;
            }
        }

        if (full >= 0)
        {
            Log.SocketTableFull(_logger, full, _table.Capacity);
            return WsaError.TooManyOpenSockets;
        }

        Log.SocketCreated(_logger, handle);

        return handle;
    }

    /// <summary>
    /// WSPDuplicateSocket followed by WSPSocket in the same process: a second handle to the same socket (DUP-1).
    /// Closing one of several handles cancels and notifies nothing; the socket is torn down at the last close.
    /// </summary>
    /// <param name="socket">A live handle.</param>
    /// <returns>The new handle; or WSANOTINITIALISED, WSAENOTSOCK, WSAEMFILE.</returns>
    public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var target);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (!_table.TryAdd(target!, out var handle))
            {
                return WsaError.TooManyOpenSockets;
            }

            target!.HandleCount++;
            return handle;
        }
    }

    /// <summary>
    /// WSPCloseSocket: releases the handle at once (CLS-1). At the last handle of a socket (DUP-1), pending overlapped
    /// operations end with WSA_OPERATION_ABORTED and are notified (CLS-2), blocking calls on it return WSAEINTR and
    /// event select stops (CLS-3), and the connection closes per SO_LINGER (CLS-4..7).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <returns>
    /// Success; WSANOTINITIALISED; WSAENOTSOCK (also for a second close); WSAEWOULDBLOCK for a non-blocking socket
    /// lingering {1,t&gt;0} with unsent data (the handle stays valid, CLS-7); WSAEINTR when the final cleanup interrupts
    /// a lingering close.
    /// </returns>
    /// <remarks>With linger {1,t&gt;0} on a blocking socket with unsent data, blocks until the peer has read it or t seconds of
    /// <see cref="TimeProvider"/> time pass; on timeout the connection is reset (CLS-6).</remarks>
    public SpiResult CloseSocket(SocketHandle socket)
    {
        var notifications = default(Notifications);
        LingeringClose? linger = null;
        int aborted = 0, interrupted = 0, remaining;
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var target, forClose: true);
            if (error != WsaError.Success)
            {
                return error;
            }

            var s = target!;
            bool last = s.HandleCount == 1;
            if (last && s.Linger is { Enabled: true, Seconds: > 0 } && !s.Blocking && UnsentBytes_NeedsLock(s) > 0)
            {
                return WsaError.WouldBlock;
            }

            _table.Remove(socket);
            remaining = --s.HandleCount;
            if (!last)
            {
                return SpiResult.Success;
            }

            (aborted, interrupted) = AbortAll_NeedsLock(s, silent: false, ref notifications);
            linger = CloseConnection_NeedsLock(s, ref notifications);
            ReleaseSocket_NeedsLock(s);
            AssertInvariants_NeedsLock();
        }

        Dispatch(ref notifications);
        if (aborted + interrupted > 0)
        {
            Log.OperationsAbortedByClose(_logger, socket, aborted, interrupted);
        }

        Log.SocketClosed(_logger, socket, remaining);

        return linger is null ? SpiResult.Success : WaitForLinger(linger);
    }

    /// <summary>Sets SO_LINGER (<paramref name="enabled"/> true) or SO_DONTLINGER (false) (CLS-4..7).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="enabled">l_onoff.</param>
    /// <param name="seconds">l_linger, 0..65535.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL for a negative or too large time.</returns>
    public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (seconds is < 0 or > ushort.MaxValue)
            {
                return WsaError.InvalidArgument;
            }

            s!.Linger = new LingerState(enabled, enabled ? seconds : 0);
            return SpiResult.Success;
        }
    }

    /// <summary>FIONBIO: makes calls on the socket blocking or non-blocking.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="blocking">Whether calls block.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL when asked to block while event select is active (SEL-1).</returns>
    public SpiResult SetBlocking(SocketHandle socket, bool blocking)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (blocking && s!.SelectMask != NetworkEvents.None)
            {
                return WsaError.InvalidArgument;
            }

            s!.Blocking = blocking;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPBind: gives the socket a local endpoint; port 0 picks a free one.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="localEndPoint">An <see cref="IPEndPoint"/> of the socket's family.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (not an IP endpoint), WSAEAFNOSUPPORT, WSAEINVAL (already bound), WSAEADDRINUSE.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="localEndPoint"/> is <see langword="null"/>.</exception>
    public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        lock (_lock)
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

            if (s.State != SocketState.Created)
            {
                return WsaError.InvalidArgument;
            }

            error = Network.TryBind(ip, out var bound);
            if (error != WsaError.Success)
            {
                return error;
            }

            s.LocalEndPoint = bound;
            s.OwnsBinding = true;
            s.State = SocketState.Bound;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPListen: makes a bound stream socket accept connections.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="backlog">The most connections waiting to be accepted; beyond it connects are refused.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (not bound), WSAEISCONN, WSAEOPNOTSUPP (not a stream socket), WSAEADDRINUSE.</returns>
    public SpiResult Listen(SocketHandle socket, int backlog)
    {
        lock (_lock)
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

            switch (s.State)
            {
                case SocketState.Listening:
                    s.BacklogLimit = Math.Clamp(backlog, 1, 200);
                    return SpiResult.Success;
                case SocketState.Connected or SocketState.Reset:
                    return WsaError.IsConnected;
                case SocketState.Created:
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
            s.State = SocketState.Listening;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPAccept: takes the oldest waiting connection as a new socket.</summary>
    /// <param name="socket">A listening handle.</param>
    /// <returns>
    /// The new handle; or WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (not listening), WSAEWOULDBLOCK (non-blocking, none
    /// waiting), WSAEMFILE, WSAEINTR (a blocking accept cancelled, or the socket closed, or the final cleanup).
    /// </returns>
    /// <remarks>A blocking accept waits for a connection, calling the blocking hook (BLK-1, BLK-2).</remarks>
    public SpiResult<SocketHandle> Accept(SocketHandle socket)
    {
        var notifications = default(Notifications);
        WsaOverlapped op;
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.State != SocketState.Listening)
            {
                return WsaError.InvalidArgument;
            }

            if (s.Backlog!.Count > 0)
            {
                return AcceptFromBacklog_NeedsLock(s, s.Backlog.Dequeue(), ref notifications);
            }

            if (!s.Blocking)
            {
                return WsaError.WouldBlock;
            }

            error = BeginBlocking_NeedsLock(s, socket, OperationKind.Accept, out op);
            if (error != WsaError.Success)
            {
                return error;
            }

            s.Accepts.Enqueue(op);
        }

        var result = WaitBlocking(op);
        return result == WsaError.Success ? op.AcceptedHandle : result;
    }

    /// <summary>
    /// WSPConnect: connects a stream socket to a listener on the network (a <see cref="PeerListener"/> or a listening
    /// socket of any provider). The connection is established at once.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="remoteEndPoint">The listener's endpoint.</param>
    /// <returns>
    /// Success; WSAEWOULDBLOCK for a non-blocking socket (the connection is nevertheless made, and FD_CONNECT and
    /// FD_WRITE are recorded as Windows would once it completes); WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT,
    /// WSAEAFNOSUPPORT, WSAEINVAL (listening), WSAEISCONN, WSAEOPNOTSUPP (not a stream socket), WSAECONNREFUSED.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        Connection connection;
        IListenerTarget? target;
        bool blocking;
        lock (_lock)
        {
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
                return WsaError.OperationNotSupported;
            }

            switch (s.State)
            {
                case SocketState.Listening:
                    return WsaError.InvalidArgument;
                case SocketState.Connected or SocketState.Reset:
                    return WsaError.IsConnected;
            }

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

                connection = new Connection(Network, s.LocalEndPoint, ip, SendBufferSize, target.SendBufferSize);
                s.End = connection.Initiator;
                s.RemoteEndPoint = ip;
                s.State = SocketState.Connected;
                connection.Initiator.Listener = s;
            }
            else
            {
                connection = null!;
            }

            blocking = s.Blocking;
        }

        if (target is null)
        {
            Log.ConnectRefused(_logger, remoteEndPoint);
            return WsaError.ConnectionRefused;
        }

        // The listener is called with no provider lock held: it may be a socket of this very provider.
        bool accepted = target.Offer(connection);
        if (!accepted)
        {
            // The listener went away or its backlog is full: the attempt is refused and the socket may try again.
            connection.ResetFrom(connection.Acceptor);
        }

        var notifications = default(Notifications);
        lock (_lock)
        {
            // The socket may have been closed meanwhile: then nothing is recorded for it (SEL-2).
            if (_table.Find(socket) is { } s && s.End == connection.Initiator)
            {
                if (!accepted)
                {
                    connection.Initiator.Listener = null;
                    s.End = null;
                    s.RemoteEndPoint = null;
                    s.State = SocketState.Bound;
                }
                else
                {
                    RecordEvent_NeedsLock(s, NetworkEvents.Connect, WsaError.Success, ref notifications);
                    RecordEvent_NeedsLock(s, NetworkEvents.Write, WsaError.Success, ref notifications);

                    // Not selected now: FD_CONNECT is recorded once if event select later asks for it.
                    s.ConnectPending = !blocking && (s.SelectMask & NetworkEvents.Connect) == 0;
                }
            }
        }

        Dispatch(ref notifications);
        if (!accepted)
        {
            Log.ConnectRefused(_logger, remoteEndPoint);
            return WsaError.ConnectionRefused;
        }

        return blocking ? SpiResult.Success : WsaError.WouldBlock;
    }

    /// <summary>WSPShutdown: stops sending (a FIN after the data already sent), receiving, or both.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="how">Which directions.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, WSAENOTCONN.</returns>
    public SpiResult Shutdown(SocketHandle socket, SocketShutdown how)
    {
        ConnectionEnd? kick = null;
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (s!.State != SocketState.Connected)
            {
                return s.State == SocketState.Reset ? WsaError.ConnectionReset : WsaError.NotConnected;
            }

            if (how is SocketShutdown.Receive or SocketShutdown.Both)
            {
                s.ShutdownReceive = true;
            }

            if (how is SocketShutdown.Send or SocketShutdown.Both && !s.ShutdownSend)
            {
                s.ShutdownSend = true;
                if (s.Sends.Count > 0)
                {
                    // The FIN follows the data of the sends still queued (OVL-5: they still complete).
                    s.FinDeferred = true;
                }
                else if (s.End!.Connection.FinFrom(s.End))
                {
                    kick = s.End.Other;
                }
            }
        }

        kick?.Signal();
        return SpiResult.Success;
    }

    /// <summary>WSPGetSockName: the socket's local endpoint.</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The endpoint; or WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL when not bound.</returns>
    public SpiResult<EndPoint> GetSockName(SocketHandle socket)
    {
        lock (_lock)
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
    public SpiResult<EndPoint> GetPeerName(SocketHandle socket)
    {
        lock (_lock)
        {
            var error = Find_NeedsLock(socket, out var s);
            return error != WsaError.Success ? error
                : s!.RemoteEndPoint is { } ep && s.State == SocketState.Connected ? ep
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
    public SpiResult AssociateCompletionPort(SocketHandle socket, CompletionPort port, nuint completionKey)
    {
        ArgumentNullException.ThrowIfNull(port);
        var key = completionKey;
        lock (_lock)
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
        lock (_lock)
        {
            if (listener.State != SocketState.Listening || !ListensAt(listener.LocalEndPoint!, (IPEndPoint)connection.Acceptor.LocalEndPoint) ||
                listener.Backlog!.Count >= listener.BacklogLimit)
            {
                return false;
            }

            listener.Backlog.Enqueue(connection);
            var op = listener.Accepts.Head;
            if (op is not null && op.TryClaim())
            {
                var accepted = AcceptFromBacklog_NeedsLock(listener, listener.Backlog.Dequeue(), ref notifications);
                op.AcceptedHandle = accepted.IsSuccess ? accepted.Value : default;
                Finish_NeedsLock(listener, op, accepted.IsSuccess ? OperationStatus.Completed : OperationStatus.Failed, accepted.Error, 0, SocketFlags.None, ref notifications);
            }
            else
            {
                RecordEvent_NeedsLock(listener, NetworkEvents.Accept, WsaError.Success, ref notifications);
            }
        }

        Dispatch(ref notifications);
        return true;
    }

    /// <summary>Whether a listening socket (possibly on the wildcard address) is the one an arriving connection targets.</summary>
    private static bool ListensAt(IPEndPoint listening, IPEndPoint target)
        => listening.Port == target.Port
            && (listening.Address.Equals(target.Address) || listening.Address.Equals(IPAddress.Any) || listening.Address.Equals(IPAddress.IPv6Any));

    private SpiResult<SocketHandle> AcceptFromBacklog_NeedsLock(ProviderSocket listener, Connection connection, ref Notifications notifications)
    {
        var s = RentSocket_NeedsLock();
        s.Family = listener.Family;
        s.Type = listener.Type;
        s.Protocol = listener.Protocol;
        if (!_table.TryAdd(s, out var handle))
        {
            _pool.Push(s);
            connection.ResetFrom(connection.Acceptor);
            notifications.Kick(connection.Initiator);
            return WsaError.TooManyOpenSockets;
        }

        s.HandleCount = 1;
        s.State = SocketState.Connected;
        s.End = connection.Acceptor;
        s.LocalEndPoint = (IPEndPoint)connection.Acceptor.LocalEndPoint;
        s.RemoteEndPoint = connection.Acceptor.RemoteEndPoint;
        connection.Acceptor.Listener = s;

        // Data or a FIN may already wait; later events (FD_READ) are recorded from here on.
        if (listener.Backlog!.Count > 0)
        {
            RecordEvent_NeedsLock(listener, NetworkEvents.Accept, WsaError.Success, ref notifications);
        }

        Pump_NeedsLock(s, ref notifications);
        return handle;
    }

    /// <summary>
    /// Looks a handle up: WSANOTINITIALISED before startup (STA-8), WSAENOTSOCK for anything but a live handle (SOC-1),
    /// WSAECONNABORTED for a stream a cancelled blocking call broke, except for the close (BLK-3).
    /// </summary>
    private WsaError Find_NeedsLock(SocketHandle handle, out ProviderSocket? socket, bool forClose = false)
    {
        if (_startupCount == 0)
        {
            socket = null;
            return WsaError.NotInitialized;
        }

        socket = _table.Find(handle);
        return socket is null ? WsaError.NotSocket
            : socket.Broken && !forClose ? WsaError.ConnectionAborted
            : WsaError.Success;
    }

    private WsaError StartedOr(WsaError error)
    {
        lock (_lock)
        {
            return _startupCount == 0 ? WsaError.NotInitialized : error;
        }
    }

    private ProviderSocket RentSocket_NeedsLock() => _pool.TryPop(out var s) ? s : new ProviderSocket(this);

    /// <summary>Returns a socket whose last handle is gone to the pool, releasing what it held on the network.</summary>
    private void ReleaseSocket_NeedsLock(ProviderSocket s)
    {
        if (s.State == SocketState.Listening)
        {
            Network.Unlisten(s.LocalEndPoint!, s);
        }
        else if (s.OwnsBinding && s.LocalEndPoint is not null)
        {
            Network.Unbind(s.LocalEndPoint);
        }

        if (s.End is { } end && end.Listener == s)
        {
            end.Listener = null;
        }

        s.Reset();
        _pool.Push(s);
    }

    private static int UnsentBytes_NeedsLock(ProviderSocket s)
    {
        if (s.End is not { } end)
        {
            return 0;
        }

        using (end.Connection.Gate.Enter())
        {
            return end.Connection.IsReset ? 0 : end.Outbound.Count;
        }
    }
}
