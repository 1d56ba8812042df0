using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>
/// The provider's socket object: what one or more handles (duplicates) refer to. Pooled and reused, so every
/// field is reset by <see cref="Reset"/>. Guarded by the owning provider's lock.
/// </summary>
internal sealed class ProviderSocket(ProviderRuntime runtime) : IConnectionListener, IListenerTarget
{
    public ProviderRuntime Runtime { get; } = runtime;

    public AddressFamily Family;
    public SocketType Type;
    public ProtocolType Protocol;
    public SocketState State;
    public bool Blocking = true;
    public LingerState Linger;
    public bool Broken;               // BLK-3: a cancelled stream call left the stream unusable
    public bool ShutdownSend;
    public bool FinDeferred;          // shutdown(SD_SEND) with sends still queued: the FIN goes after them
    public bool ShutdownReceive;
    public bool FinSeen;              // end of stream reached (FD_CLOSE recorded once)
    public bool WriteBlocked;         // a send could not complete: FD_WRITE is re-recorded when room opens
    public bool ConnectPending;       // a non-blocking connect returned WSAEWOULDBLOCK and FD_CONNECT is due
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

    public bool IsStream => Type == SocketType.Stream;

    public int PendingCount => Receives.Count + Sends.Count + Accepts.Count;

    public int SendBufferSize => Runtime.SendBufferSize;

    public void Reset()
    {
        Family = default;
        Type = default;
        Protocol = default;
        State = SocketState.Created;
        Blocking = true;
        Linger = default;
        Broken = ShutdownSend = FinDeferred = ShutdownReceive = FinSeen = WriteBlocked = ConnectPending = false;
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
        Recorded = NetworkEvents.None;
        CloseError = WsaError.Success;
        Port = null;
        CompletionKey = 0;
    }

    void IConnectionListener.OnConnectionChanged(ConnectionEnd end) => Runtime.OnConnectionChanged(this, end);

    bool IListenerTarget.Offer(Connection connection) => Runtime.OfferConnection(this, connection);
}
