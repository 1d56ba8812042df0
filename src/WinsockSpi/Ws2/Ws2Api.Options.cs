using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

// Integer socket options, SO_LINGER read back, and the completion notification modes (EXT-4, EXT-5).
public sealed partial class Ws2Api
{
    /// <summary>
    /// setsockopt with an integer value (EXT-5): SO_DONTLINGER, SO_ERROR, SO_RCVBUF, SO_SNDBUF, SO_UPDATE_CONNECT_CONTEXT
    /// (WSPSetSockOpt, <see cref="ProviderRuntime.SetSocketOption"/>).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="optname">The option.</param>
    /// <param name="optval">The value (a BOOL for SO_DONTLINGER).</param>
    /// <returns>
    /// 0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another level, a negative size), WSAENOPROTOOPT
    /// (SO_TYPE, read-only, or an unknown option), WSAEFAULT (SO_LINGER: pass a <see cref="LingerState"/>), WSAENOTCONN.
    /// </returns>
    public int setsockopt(nuint s, int level, int optname, int optval) => SetOption(s, level, optname, optval);

    /// <summary>setsockopt(SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT) after AcceptEx: the value is the listening SOCKET (EXT-1).</summary>
    /// <param name="s">The accepted SOCKET.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="optname">SO_UPDATE_ACCEPT_CONTEXT (any option whose value is a SOCKET).</param>
    /// <param name="optval">The listening SOCKET.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK (either socket), WSAEINVAL (not a listening socket),
    /// WSAENOTCONN (the AcceptEx has not completed), WSAENOPROTOOPT.</returns>
    public int setsockopt(nuint s, int level, int optname, nuint optval) => SetOption(s, level, optname, unchecked((long)optval));

    /// <summary>getsockopt of an integer option (EXT-5): SO_DONTLINGER, SO_TYPE, SO_ERROR, SO_RCVBUF, SO_SNDBUF.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="optname">The option.</param>
    /// <param name="optval">The value, as setsockopt left it; unchanged on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL, WSAEFAULT (SO_LINGER), WSAENOPROTOOPT.</returns>
    public int getsockopt(nuint s, int level, int optname, ref int optval)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        var result = provider!.Provider.GetSocketOption(new SocketHandle(s), (SocketOptionLevel)level, (SocketOptionName)optname);
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        optval = result.Value;
        return 0;
    }

    /// <summary>getsockopt(SOL_SOCKET, SO_LINGER): the linger setting as setsockopt (SO_LINGER or SO_DONTLINGER) left it (EXT-5).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="optname">SO_LINGER.</param>
    /// <param name="optval">The LINGER value; unchanged on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another level), WSAENOPROTOOPT (another option).</returns>
    public int getsockopt(nuint s, int level, int optname, ref LingerState optval)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (level != Ws2Constants.SOL_SOCKET)
        {
            return Fail(WsaError.InvalidArgument);
        }

        if (optname != Ws2Constants.SO_LINGER)
        {
            return Fail(WsaError.ProtocolOption);
        }

        var result = provider!.Provider.GetLinger(new SocketHandle(s));
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        optval = result.Value;
        return 0;
    }

    /// <summary>
    /// SetFileCompletionNotificationModes (kernel32) on a SOCKET (EXT-4): FILE_SKIP_COMPLETION_PORT_ON_SUCCESS stops the
    /// completion-port packet of operations that complete at once; FILE_SKIP_SET_EVENT_ON_HANDLE is recorded (a simulated
    /// socket has no handle event).
    /// </summary>
    /// <param name="FileHandle">The SOCKET.</param>
    /// <param name="Flags">The FILE_SKIP_* flags.</param>
    /// <returns>
    /// TRUE; or FALSE with the last error WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (an unknown flag), or WSAEOPNOTSUPP when
    /// the socket's provider is not a <see cref="ProviderRuntime"/> (the modes belong to the base provider's handle).
    /// </returns>
    [SuppressMessage("Style", "IDE1006", Justification = "The parameter names of the C function.")]
    public bool SetFileCompletionNotificationModes(nuint FileHandle, byte Flags)
    {
        var error = Find(FileHandle, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error) == 0;
        }

        if (provider!.Provider is not ProviderRuntime runtime)
        {
            return Fail(WsaError.OperationNotSupported) == 0;
        }

        var result = runtime.SetCompletionNotificationModes(new SocketHandle(FileHandle), (CompletionNotificationModes)Flags);
        if (!result.IsSuccess)
        {
            return Fail(result.Error) == 0;
        }

        SetLastError(WsaError.Success);
        return true;
    }

    private int SetOption(nuint s, int level, int optname, long value)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error)
            : Complete(provider!.Provider.SetSocketOption(new SocketHandle(s), (SocketOptionLevel)level, (SocketOptionName)optname, value));
    }
}
