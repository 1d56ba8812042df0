namespace WinsockSpi;

/// <summary>The sentinel values of the Winsock C API (SEMANTICS.md ERR-1, ERR-3).</summary>
public static class Winsock
{
    /// <summary>SOCKET_ERROR (-1): the return value of a failed call whose error is read separately.</summary>
    public const int SocketError = -1;

    /// <summary>INVALID_SOCKET (~0): the return value of a failed socket-creating call.</summary>
    public static readonly nuint InvalidSocket = nuint.MaxValue;

    /// <summary>WSADESCRIPTION_LEN: the most characters a provider description may carry (STA-3).</summary>
    public const int DescriptionMaxLength = 255;

    /// <summary>MAKEWORD(major, minor): the low byte is the major version, the high byte the minor (ERR-3).</summary>
    /// <param name="major">The major version (low byte).</param>
    /// <param name="minor">The minor version (high byte).</param>
    /// <returns>The version word.</returns>
    public static ushort MakeWord(byte major, byte minor) => (ushort)(major | (minor << 8));

    /// <summary>
    /// WSAMAKESELECTREPLY(event, error): the lParam of a network-event message, the event (an FD_* bit) in the low word and
    /// the error in the high word (ASY-1).
    /// </summary>
    /// <param name="networkEvent">The FD_* bit.</param>
    /// <param name="error">The error code; 0 for none.</param>
    /// <returns>The lParam.</returns>
    public static nint MakeSelectReply(int networkEvent, int error) => MakeLong(networkEvent, error);

    /// <summary>WSAGETSELECTEVENT(lParam): the FD_* bit of a network-event message (its low word, ASY-1).</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The event bit.</returns>
    public static int GetSelectEvent(nint lParam) => (int)(lParam & 0xFFFF);

    /// <summary>WSAGETSELECTERROR(lParam): the error code of a network-event message (its high word, ASY-1).</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The error code; 0 for none.</returns>
    public static int GetSelectError(nint lParam) => (int)((lParam >> 16) & 0xFFFF);

    /// <summary>
    /// WSAMAKEASYNCREPLY(buflen, error): the lParam of the message that ends an asynchronous request, the buffer length in
    /// the low word and the error in the high word (ASY-4).
    /// </summary>
    /// <param name="bufferLength">The bytes the answer takes (or would take, with WSAENOBUFS).</param>
    /// <param name="error">The error code; 0 for none.</param>
    /// <returns>The lParam.</returns>
    public static nint MakeAsyncReply(int bufferLength, int error) => MakeLong(bufferLength, error);

    /// <summary>WSAGETASYNCBUFLEN(lParam): the buffer length an asynchronous request reports (its low word, ASY-4).</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The length.</returns>
    public static int GetAsyncBufferLength(nint lParam) => (int)(lParam & 0xFFFF);

    /// <summary>WSAGETASYNCERROR(lParam): the error code an asynchronous request reports (its high word, ASY-4).</summary>
    /// <param name="lParam">The message's lParam.</param>
    /// <returns>The error code; 0 for none.</returns>
    public static int GetAsyncError(nint lParam) => (int)((lParam >> 16) & 0xFFFF);

    /// <summary>MAKELONG(low, high): both words in a 32-bit value, as Windows packs an lParam.</summary>
    private static nint MakeLong(int low, int high) => (nint)(uint)((low & 0xFFFF) | ((high & 0xFFFF) << 16));
}
