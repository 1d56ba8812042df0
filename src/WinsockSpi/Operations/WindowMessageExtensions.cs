using WinsockSpi.Processes;

namespace WinsockSpi.Operations;

/// <summary>Reads the Winsock parts of a <see cref="WindowMessage"/> as typed values (ASY-1, ASY-4).</summary>
public static class WindowMessageExtensions
{
    /// <summary>WSAGETSELECTEVENT: the network event a WSAAsyncSelect message reports.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The event (one FD_* bit).</returns>
    public static NetworkEvents SelectEvent(this WindowMessage message) => (NetworkEvents)Winsock.GetSelectEvent(message.LParam);

    /// <summary>WSAGETSELECTERROR: the error a WSAAsyncSelect message reports (for example WSAECONNRESET with FD_CLOSE).</summary>
    /// <param name="message">The message.</param>
    /// <returns>The error; <see cref="WsaError.Success"/> for none.</returns>
    public static WsaError SelectError(this WindowMessage message) => (WsaError)Winsock.GetSelectError(message.LParam);

    /// <summary>WSAGETASYNCBUFLEN: the buffer length the message of an asynchronous request reports.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The length.</returns>
    public static int AsyncBufferLength(this WindowMessage message) => Winsock.GetAsyncBufferLength(message.LParam);

    /// <summary>WSAGETASYNCERROR: the error the message of an asynchronous request reports.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The error; <see cref="WsaError.Success"/> for none.</returns>
    public static WsaError AsyncError(this WindowMessage message) => (WsaError)Winsock.GetAsyncError(message.LParam);
}
