using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

// Socket options read back (EXT-5), the completion notification modes (EXT-4), and scatter/gather (EXT-5).
public sealed partial class ProviderRuntime
{
    /// <summary>The SO_RCVBUF a socket reports until it is set: Windows' default of 64 KB.</summary>
    private const int DefaultReceiveBuffer = 64 * 1024;

    /// <summary>
    /// WSPSetSockOpt with an integer value (EXT-5): SO_DONTLINGER, SO_ERROR, SO_RCVBUF, SO_SNDBUF, and the AcceptEx and
    /// ConnectEx context updates.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="level">SOL_SOCKET (<see cref="SocketOptionLevel.Socket"/>).</param>
    /// <param name="name">The option.</param>
    /// <param name="value">
    /// The value: a BOOL for SO_DONTLINGER (non-zero turns lingering off, zero turns it on with the l_linger already set);
    /// the code for SO_ERROR; the size for SO_RCVBUF and SO_SNDBUF (SO_SNDBUF sizes the connections the socket makes
    /// later, OVL-9; SO_RCVBUF is kept and read back); the listening SOCKET for SO_UPDATE_ACCEPT_CONTEXT; ignored for
    /// SO_UPDATE_CONNECT_CONTEXT.
    /// </param>
    /// <returns>
    /// Success; WSANOTINITIALISED; WSAENOTSOCK (also for a context update naming no socket of the provider); WSAEINVAL
    /// (another level, a negative or too large size, or a context update naming a socket that is not listening);
    /// WSAENOPROTOOPT (SO_TYPE, which is read-only, or an unknown option); WSAEFAULT for SO_LINGER, whose value is a
    /// structure (<see cref="SetLinger"/>); WSAENOTCONN for a context update on an unconnected socket.
    /// </returns>
    /// <remarks>The context updates change nothing else: every call on an accepted or ConnectEx socket works without them.</remarks>
    private SpiResult SetSocketOptionCore(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value)
    {
        using (_lock.Enter())
        {
            var error = CheckOption_NeedsLock(socket, level, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            switch (name)
            {
                case SocketOptionName.Linger:
                    return WsaError.Fault;
                case SocketOptionName.DontLinger:
                    s!.Linger = value != 0 ? new LingerState(false, s.Linger.Seconds) : s.Linger with { Enabled = true };
                    return SpiResult.Success;
                case SocketOptionName.Error:
                    s!.SoError = unchecked((int)value);
                    return SpiResult.Success;
                case SocketOptionName.ReceiveBuffer or SocketOptionName.SendBuffer:
                    if (value is < 0 or > int.MaxValue)
                    {
                        return WsaError.InvalidArgument;
                    }

                    if (name == SocketOptionName.ReceiveBuffer)
                    {
                        s!.ReceiveBufferOption = (int)value;
                    }
                    else
                    {
                        s!.SendBufferOption = (int)value;
                    }

                    return SpiResult.Success;
                case SocketOptionName.UpdateAcceptContext:
                    var listener = _table.Find(new SocketHandle(unchecked((nuint)value)));
                    return listener is null ? WsaError.NotSocket
                        : listener.Phase != SocketPhase.Listening ? WsaError.InvalidArgument
                        : s!.Phase != SocketPhase.Connected || s.PendingAcceptEx is not null ? WsaError.NotConnected
                        : SpiResult.Success;
                case SocketOptionName.UpdateConnectContext:
                    return s!.Phase == SocketPhase.Connected ? SpiResult.Success : WsaError.NotConnected;
                default:
                    return WsaError.ProtocolOption;
            }
        }
    }

    /// <summary>WSPGetSockOpt of an integer option (EXT-5): SO_DONTLINGER, SO_TYPE, SO_ERROR, SO_RCVBUF, SO_SNDBUF.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="name">The option.</param>
    /// <returns>
    /// The value as <see cref="SetSocketOption"/> left it: SO_DONTLINGER 1 unless lingering is on; SO_TYPE 1 (stream) or 2
    /// (datagram); SO_ERROR 0 until set; SO_RCVBUF 65,536 and SO_SNDBUF the provider's send buffer until set. Errors:
    /// WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another level), WSAEFAULT for SO_LINGER (read it with
    /// <see cref="GetLinger"/>), WSAENOPROTOOPT for another option.
    /// </returns>
    private SpiResult<int> GetSocketOptionCore(SocketHandle socket, SocketOptionLevel level, SocketOptionName name)
    {
        using (_lock.Enter())
        {
            var error = CheckOption_NeedsLock(socket, level, out var s);
            return error != WsaError.Success ? error : name switch
            {
                SocketOptionName.Linger => WsaError.Fault,
                SocketOptionName.DontLinger => s!.Linger.Enabled ? 0 : 1,
                SocketOptionName.Type => (int)s!.Type,
                SocketOptionName.Error => s!.SoError,
                SocketOptionName.ReceiveBuffer => s!.ReceiveBufferOption ?? DefaultReceiveBuffer,
                SocketOptionName.SendBuffer => s!.SendBufferOption ?? SendBufferSize,
                _ => WsaError.ProtocolOption,
            };
        }
    }

    /// <summary>WSPGetSockOpt SO_LINGER: the setting <see cref="SetLinger"/> or SO_DONTLINGER left (EXT-5).</summary>
    /// <param name="socket">The handle.</param>
    /// <returns>The setting ({0,0} by default); or WSANOTINITIALISED, WSAENOTSOCK.</returns>
    private SpiResult<LingerState> GetLingerCore(SocketHandle socket)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            return error != WsaError.Success ? error : s!.Linger;
        }
    }

    /// <summary>
    /// SetFileCompletionNotificationModes on a socket handle (EXT-4): with
    /// <see cref="CompletionNotificationModes.SkipCompletionPortOnSuccess"/>, an overlapped operation that completes at
    /// once posts no completion-port packet (its event is still set); operations that pend post as before.
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="modes">The modes; they replace the socket's modes, and apply to operations started afterwards.</param>
    /// <returns>Success; WSANOTINITIALISED; WSAENOTSOCK; WSAEINVAL for an undefined flag.</returns>
    private SpiResult SetCompletionNotificationModesCore(SocketHandle socket, CompletionNotificationModes modes)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if ((modes & ~(CompletionNotificationModes.SkipCompletionPortOnSuccess | CompletionNotificationModes.SkipSetEventOnHandle)) != 0)
            {
                return WsaError.InvalidArgument;
            }

            s!.NotificationModes = modes;
            return SpiResult.Success;
        }
    }

    /// <summary>WSPSend with an array of buffers (EXT-5): sends them in order, as one send of their bytes (see <see cref="Send"/>).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers (WSABUF array); for an overlapped send they must stay untouched until it ends.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped send.</param>
    /// <param name="routine">The completion routine (OVL-4).</param>
    /// <returns>As <see cref="Send"/>: the bytes sent, counted across the buffers (a non-blocking send that fitted in part
    /// reports exactly the bytes that fitted, in buffer order).</returns>
    /// <remarks>Several buffers are gathered into one block when the call starts, as the transport would copy them.</remarks>
    /// <exception cref="ArgumentException">The buffers add up to more than <see cref="int.MaxValue"/> bytes, more than one
    /// call can report as sent (a datagram send gives WSAEMSGSIZE instead, see <see cref="SendToBuffers"/>).</exception>
    private SpiResult<int> SendBuffersCore(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (buffers.Length == 1)
        {
            return SendCore(socket, buffers.Span[0].Buffer, overlapped, routine);
        }

        long length = WsaBuf.TotalLength64(buffers.Span);
        if (length > int.MaxValue)
        {
            throw new ArgumentException("The buffers add up to more than int.MaxValue bytes: one send reports at most that many.", nameof(buffers));
        }

        return SendCore(socket, WsaBuf.Gather(buffers.Span, (int)length), overlapped, routine);
    }

    /// <summary>
    /// WSPRecv with an array of buffers and flags (EXT-5): fills the buffers in order, each full before the next gets a
    /// byte; MSG_PEEK copies the waiting data without consuming it (the next receive gets the same bytes).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="buffers">The buffers (WSABUF array); for an overlapped receive they must stay valid until it ends.</param>
    /// <param name="flags"><see cref="SocketFlags.None"/> or <see cref="SocketFlags.Peek"/>.</param>
    /// <param name="overlapped">The overlapped object, for an overlapped receive.</param>
    /// <param name="routine">The completion routine (OVL-4).</param>
    /// <returns>As <see cref="Receive"/>: the bytes received across the buffers; WSAEOPNOTSUPP for other flags.</returns>
    private SpiResult<int> ReceiveBuffersCore(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if ((flags & ~SocketFlags.Peek) != 0)
        {
            return StartedOr(WsaError.OperationNotSupported);
        }

        bool peek = flags == SocketFlags.Peek;
        return buffers.Length == 1
            ? ReceiveAnyCore(socket, buffers.Span[0].Buffer, default, peek, overlapped, routine)
            : ReceiveAnyCore(socket, default, buffers, peek, overlapped, routine);
    }

    /// <summary>
    /// The close-time status of aborted overlapped receives (EXT-6): WSA_OPERATION_ABORTED as the SPI reference says, or,
    /// under <see cref="ProviderOptions.Windows10CloseStatus"/>, ERROR_CONNECTION_ABORTED for a connected socket.
    /// </summary>
    private WsaError CloseReceiveStatus_NeedsLock(ProviderSocket s)
        => _windows10CloseStatus && s.Phase == SocketPhase.Connected ? WsaError.ConnectionAbortedLocally : WsaError.OperationAborted;

    private WsaError CheckOption_NeedsLock(SocketHandle socket, SocketOptionLevel level, out ProviderSocket? s)
    {
        var error = Find_NeedsLock(socket, out s);
        return error != WsaError.Success ? error
            : level != SocketOptionLevel.Socket ? WsaError.InvalidArgument
            : WsaError.Success;
    }
}
