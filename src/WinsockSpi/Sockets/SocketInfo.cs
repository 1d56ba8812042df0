using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Sockets;

/// <summary>A snapshot of one socket handle, for inspection by harnesses and tests.</summary>
/// <param name="Handle">The handle.</param>
/// <param name="AddressFamily">The address family.</param>
/// <param name="SocketType">The socket type.</param>
/// <param name="ProtocolType">The protocol.</param>
/// <param name="State">Where the socket is in its life.</param>
/// <param name="IsBlocking">Whether calls block (FIONBIO off); event select makes it non-blocking.</param>
/// <param name="Linger">The SO_LINGER setting.</param>
/// <param name="HandleCount">How many handles (duplicates included) share the underlying socket (DUP-1).</param>
/// <param name="PendingOperations">Pending overlapped operations and blocking calls on the socket.</param>
/// <param name="LocalEndPoint">The local endpoint, once bound or connected.</param>
/// <param name="RemoteEndPoint">The remote endpoint, once connected.</param>
/// <param name="SelectedEvents">The network events selected with event select.</param>
/// <param name="UnsentBytes">Bytes sent by the socket that the peer has not read yet.</param>
public readonly record struct SocketInfo(
    SocketHandle Handle,
    AddressFamily AddressFamily,
    SocketType SocketType,
    ProtocolType ProtocolType,
    SocketState State,
    bool IsBlocking,
    LingerState Linger,
    int HandleCount,
    int PendingOperations,
    EndPoint? LocalEndPoint,
    EndPoint? RemoteEndPoint,
    NetworkEvents SelectedEvents,
    int UnsentBytes);
