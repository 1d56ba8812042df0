using WinsockSpi.Operations;

namespace WinsockSpi.Ws2;

// The window-message macros of winsock2.h (WSAAsyncSelect and the asynchronous requests, ASY-1, ASY-4).
public static partial class Ws2Constants
{
    /// <summary>MAXGETHOSTSTRUCT (1024): the buffer length to give an asynchronous host lookup.</summary>
    public const int MAXGETHOSTSTRUCT = 1024;

    /// <summary>WSAMAKESELECTREPLY(event, error): the lParam of a WSAAsyncSelect message.</summary>
    /// <param name="event">The FD_* bit.</param>
    /// <param name="error">The error code.</param>
    /// <returns>The lParam.</returns>
    public static nint WSAMAKESELECTREPLY(NetworkEvents @event, int error) => Winsock.MakeSelectReply((int)@event, error);

    /// <summary>WSAGETSELECTEVENT(lParam): the FD_* bit of a WSAAsyncSelect message.</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The event.</returns>
    public static NetworkEvents WSAGETSELECTEVENT(nint lParam) => (NetworkEvents)Winsock.GetSelectEvent(lParam);

    /// <summary>WSAGETSELECTERROR(lParam): the error code of a WSAAsyncSelect message.</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The error code; 0 for none.</returns>
    public static int WSAGETSELECTERROR(nint lParam) => Winsock.GetSelectError(lParam);

    /// <summary>WSAMAKEASYNCREPLY(buflen, error): the lParam of the message that ends an asynchronous request.</summary>
    /// <param name="buflen">The buffer length.</param>
    /// <param name="error">The error code.</param>
    /// <returns>The lParam.</returns>
    public static nint WSAMAKEASYNCREPLY(int buflen, int error) => Winsock.MakeAsyncReply(buflen, error);

    /// <summary>WSAGETASYNCBUFLEN(lParam): the buffer length an asynchronous request reports.</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The length.</returns>
    public static int WSAGETASYNCBUFLEN(nint lParam) => Winsock.GetAsyncBufferLength(lParam);

    /// <summary>WSAGETASYNCERROR(lParam): the error code an asynchronous request reports.</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The error code; 0 for none.</returns>
    public static int WSAGETASYNCERROR(nint lParam) => Winsock.GetAsyncError(lParam);
}
