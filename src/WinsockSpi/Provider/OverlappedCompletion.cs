using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>The arguments of WPUCompleteOverlappedRequest: an overlapped operation without a completion routine has ended.</summary>
/// <param name="Socket">The handle the operation ran on.</param>
/// <param name="Overlapped">Its overlapped object.</param>
/// <param name="Error">Its outcome (<see cref="WsaError.OperationAborted"/> after a close).</param>
/// <param name="BytesTransferred">The bytes transferred.</param>
/// <param name="Flags">The receive flags.</param>
/// <param name="Port">The completion port the socket is associated with, if any.</param>
/// <param name="CompletionKey">The port's key for the socket.</param>
/// <param name="Event">The event the operation was started with (hEvent then): the one to set, whatever the object's
/// <see cref="WsaOverlapped.Event"/> says now (OVL-11).</param>
public readonly record struct OverlappedCompletion(
    SocketHandle Socket,
    WsaOverlapped Overlapped,
    WsaError Error,
    int BytesTransferred,
    SocketFlags Flags,
    CompletionPort? Port,
    nuint CompletionKey,
    WsaEvent? Event)
{
    /// <summary>
    /// Gets the status a completion port reports: <see cref="WsaError.NetNameDeleted"/> (64) for a connection
    /// reset by the peer (OVL-8), otherwise <see cref="Error"/>.
    /// </summary>
    public WsaError PortStatus => Error == WsaError.ConnectionReset ? WsaError.NetNameDeleted : Error;
}
