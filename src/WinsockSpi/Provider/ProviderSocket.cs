using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>
/// The provider's socket object: what one or more handles (duplicates, DUP-1) refer to, and the per-socket behaviour:
/// moving queued operations against the connection, recording network events, failing and aborting its queues, and
/// releasing its connection. Every member except the delivery counters runs under the owning provider's lock and hands
/// what must be made known back in a <see cref="Notifications"/> to deliver after it.
/// </summary>
/// <remarks>Pooled and reused by its provider, so every field is reset by <see cref="Release_NeedsLock"/>.</remarks>
internal sealed partial class ProviderSocket(ProviderRuntime runtime) : IConnectionListener, IListenerTarget
{
    private DeliveryCount _deliveries;

    public ProviderRuntime Runtime { get; } = runtime;

    public AddressFamily Family;
    public SocketType Type;
    public ProtocolType Protocol;
    public SocketPhase Phase;
    public ShutdownState Shutdown;
    public EventLatch Latches;
    public bool Blocking = true;
    public LingerState Linger;
    public int HandleCount;
    public int VisitMark;
    public ConnectionEnd? End;
    public IPEndPoint? LocalEndPoint;
    public EndPoint? RemoteEndPoint;
    public bool OwnsBinding;
    public Queue<Connection>? Backlog;
    public int BacklogLimit;
    public OperationQueue Receives;
    public OperationQueue Sends;
    public OperationQueue Accepts;
    public WsaEvent? SelectEvent;
    public NetworkEvents SelectMask;
    public NetworkEvents Recorded;
    public WsaError CloseError;
    public CompletionPort? Port;
    public nuint CompletionKey;

    /// <summary>SetFileCompletionNotificationModes (EXT-4).</summary>
    public CompletionNotificationModes NotificationModes;

    /// <summary>The AcceptEx this socket is the accept socket of, while it runs (EXT-1).</summary>
    public OperationRecord? PendingAcceptEx;

    /// <summary>SO_ERROR, SO_RCVBUF and SO_SNDBUF (EXT-5); a buffer size is null until set (the default is read then).</summary>
    public int SoError;
    public int? ReceiveBufferOption;
    public int? SendBufferOption;

    public bool IsStream => Type == SocketType.Stream;

    public int PendingCount => Receives.Count + Sends.Count + Accepts.Count;

    /// <summary>Gets the notifications of this socket decided and not yet delivered (CLN-13).</summary>
    public int Deliveries => _deliveries.InFlight;

    /// <summary>Gets the state shown to users (<see cref="SocketInfo.State"/>).</summary>
    public SocketState PublicState => Phase switch
    {
        SocketPhase.Created => SocketState.Created,
        SocketPhase.Bound => SocketState.Bound,
        SocketPhase.Listening => SocketState.Listening,
        SocketPhase.Reset => SocketState.Reset,
        _ => SocketState.Connected,
    };

    public void Init_NeedsLock(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        AssertLock();
        Family = family;
        Type = type;
        Protocol = protocol;
        HandleCount = 1;
    }

    /// <summary>Checks that a handle of this socket may be used: WSAECONNABORTED for a stream a cancelled call broke, except to close it (BLK-3).</summary>
    public WsaError CheckUsable_NeedsLock(bool forClose) => Phase == SocketPhase.Broken && !forClose ? WsaError.ConnectionAborted : WsaError.Success;

    /// <summary>Checks that a send or receive may run: a connected stream, that direction not shut down.</summary>
    public WsaError CheckTransfer_NeedsLock(bool send)
    {
        AssertLock();
        if (!IsStream)
        {
            return WsaError.OperationNotSupported;
        }

        if (Phase != SocketPhase.Connected || PendingAcceptEx is not null)
        {
            // The accept socket of an AcceptEx is not usable before the AcceptEx completes (EXT-1).
            return Phase == SocketPhase.Reset ? WsaError.ConnectionReset : WsaError.NotConnected;
        }

        return (Shutdown & (send ? ShutdownState.Send : ShutdownState.Receive)) != 0 ? WsaError.Shutdown : WsaError.Success;
    }

    /// <summary>Gets the bytes this socket sent that the peer has not read (0 without a connection or after a reset).</summary>
    public int UnsentBytes_NeedsLock() => End is { } end ? end.Snapshot().Unsent : 0;

    /// <summary>Connects the socket to <paramref name="end"/> (the initiator or acceptor end of a new connection).</summary>
    public void Attach_NeedsLock(ConnectionEnd end, EndPoint remote)
    {
        AssertLock();
        End = end;
        RemoteEndPoint = remote;
        Phase = SocketPhase.Connected;
        end.Listener = this;
    }

    /// <summary>Undoes <see cref="Attach_NeedsLock"/> after a refused connect: the socket may try again.</summary>
    public void Detach_NeedsLock()
    {
        AssertLock();
        if (End is { } end && end.Listener == this)
        {
            end.Listener = null;
        }

        End = null;
        RemoteEndPoint = null;
        Phase = SocketPhase.Bound;
    }

    /// <summary>WSPShutdown's effect: returns the end to signal when a FIN was queued.</summary>
    public ConnectionEnd? Shut_NeedsLock(SocketShutdown how)
    {
        AssertLock();
        if (how is SocketShutdown.Receive or SocketShutdown.Both)
        {
            Shutdown |= ShutdownState.Receive;
        }

        if (how is SocketShutdown.Send or SocketShutdown.Both && (Shutdown & ShutdownState.Send) == 0)
        {
            Shutdown |= ShutdownState.Send;
            if (Sends.Count > 0)
            {
                // The FIN follows the data of the sends still queued (OVL-5: they still complete).
                Shutdown |= ShutdownState.FinAfterSends;
            }
            else if (End is { } end && end.Fin())
            {
                return end.Other; // a datagram socket has no connection: shutting its send side only stops its sends
            }
        }

        return null;
    }

    /// <summary>Gets or sets whether the socket is on its provider's draining list (guarded by the provider's lock).</summary>
    public bool IsDraining { get; set; }

    /// <summary>
    /// Counts one more notification of this socket decided under the lock and not yet delivered (CLN-13). One decided
    /// after the socket's last handle is gone (by its close, or for a ConnectEx that the close ended while it was
    /// offered) puts the socket on the draining list at once, since it is no longer in the table the final cleanup walks.
    /// </summary>
    public void AddDelivery_NeedsLock()
    {
        AssertLock();
        _deliveries.Decide_NeedsLock();
        if (HandleCount == 0)
        {
            Runtime.AddDraining_NeedsLock(this);
        }
    }

    /// <summary>Counts a delivery as made (no lock needed), waking a close that waits for it.</summary>
    public void RemoveDelivery()
    {
        _deliveries.Made(); // a full fence: the waiters' count read next is current
        Runtime.WakeQuiescenceWaiters();
    }

    /// <summary>
    /// Returns the socket to its initial state once its last handle is gone, releasing what it held on the network.
    /// </summary>
    /// <returns>Whether it may be pooled: not while a notification of it is still being delivered on another thread.</returns>
    public bool Release_NeedsLock()
    {
        AssertLock();
        if (Phase == SocketPhase.Listening)
        {
            Runtime.Network.Unlisten(LocalEndPoint!, this);
        }
        else if (OwnsBinding && LocalEndPoint is not null)
        {
            Runtime.Network.Unbind(LocalEndPoint);
        }

        ReleaseDatagram_NeedsLock();

        if (End is { } end && end.Listener == this)
        {
            end.Listener = null;
        }

        Family = default;
        Type = default;
        Protocol = default;
        Phase = SocketPhase.Created;
        Shutdown = ShutdownState.None;
        Latches = EventLatch.None;
        Blocking = true;
        Linger = default;
        HandleCount = 0;
        End = null;
        LocalEndPoint = null;
        RemoteEndPoint = null;
        OwnsBinding = false;
        Backlog?.Clear();
        BacklogLimit = 0;
        Receives = default;
        Sends = default;
        Accepts = default;
        SelectEvent = null;
        SelectMask = NetworkEvents.None;
        ArrivalWatched = false;
        Recorded = NetworkEvents.None;
        CloseError = WsaError.Success;
        ConnectError = WsaError.Success;
        Port = null;
        CompletionKey = 0;
        AsyncWindow = null;
        AsyncPosted = NetworkEvents.None;
        NotificationModes = CompletionNotificationModes.None;
        PendingAcceptEx = null;
        SoError = 0;
        ReceiveBufferOption = null;
        SendBufferOption = null;
        return Deliveries == 0;
    }

    public SocketInfo Describe_NeedsLock(SocketHandle handle) => new(
        handle,
        Family,
        Type,
        Protocol,
        PublicState,
        Blocking,
        Linger,
        HandleCount,
        PendingCount,
        LocalEndPoint,
        RemoteEndPoint,
        SelectMask,
        UnsentBytes_NeedsLock());

    void IConnectionListener.OnConnectionChanged(ConnectionEnd end) => Runtime.OnConnectionChanged(this, end);

    bool IListenerTarget.Offer(Connection connection) => Runtime.OfferConnection(this, connection);

    int IListenerTarget.SendBufferSize => Runtime.SendBufferSize;

    [Conditional("DEBUG")]
    private void AssertLock() => Runtime.AssertLockHeld();
}
