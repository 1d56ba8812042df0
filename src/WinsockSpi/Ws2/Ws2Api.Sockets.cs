using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Sockets;

namespace WinsockSpi.Ws2;

public sealed partial class Ws2Api
{
    /// <summary>socket: creates a socket on the first catalog entry that serves the triple (WS2-2).</summary>
    /// <param name="af">The address family, or 0 (AF_UNSPEC).</param>
    /// <param name="type">The socket type, or 0.</param>
    /// <param name="protocol">The protocol, or 0.</param>
    /// <returns>The SOCKET, or INVALID_SOCKET with the error as the calling thread's last error: see <see cref="WSASocket"/>.</returns>
    public nuint socket(int af, int type, int protocol) => WSASocket(af, type, protocol, null, 0, Ws2Constants.WSA_FLAG_OVERLAPPED);

    /// <summary>
    /// WSASocket: creates a socket on a catalog entry, loading and starting its provider first if the process has not
    /// yet (WS2-2). The provider is given the entry's own family, type and protocol, as it would read them from the
    /// WSAPROTOCOL_INFO ws2_32 hands to WSPSocket.
    /// </summary>
    /// <param name="af">The address family, 0, or FROM_PROTOCOL_INFO.</param>
    /// <param name="type">The socket type, 0, or FROM_PROTOCOL_INFO.</param>
    /// <param name="protocol">The protocol, 0, or FROM_PROTOCOL_INFO.</param>
    /// <param name="lpProtocolInfo">
    /// The catalog entry to use, or <see langword="null"/> to search the catalog (<see cref="ProviderCatalog.FindEntry"/>).
    /// Given an entry, each argument that is neither 0 nor FROM_PROTOCOL_INFO must equal the entry's value.
    /// </param>
    /// <param name="g">The socket group: must be 0 (groups are not simulated).</param>
    /// <param name="dwFlags">WSA_FLAG_*: accepted and ignored; every simulated socket takes overlapped calls.</param>
    /// <returns>
    /// The SOCKET; or INVALID_SOCKET with the calling thread's last error set to WSANOTINITIALISED; WSAEINVAL (both
    /// <paramref name="af"/> and <paramref name="protocol"/> 0, a group, an entry not in the catalog or a layered
    /// protocol); WSAEAFNOSUPPORT, WSAESOCKTNOSUPPORT, WSAEPROTONOSUPPORT (no entry serves the triple); the error of
    /// the provider's WSPStartup; the error of WSPSocket (for example WSAEMFILE).
    /// </returns>
    public nuint WSASocket(int af, int type, int protocol, ProviderCatalogEntry? lpProtocolInfo, uint g, uint dwFlags)
    {
        var error = CheckStarted();
        if (error != WsaError.Success)
        {
            return FailSocket(error);
        }

        if (g != 0)
        {
            return FailSocket(WsaError.InvalidArgument);
        }

        var found = lpProtocolInfo is null ? Catalog.FindEntry(af, type, protocol) : FromProtocolInfo(af, type, protocol, lpProtocolInfo);
        if (!found.IsSuccess)
        {
            return FailSocket(found.Error);
        }

        var entry = found.Value;
        error = GetStartedProvider(entry, out var provider, out long session);
        if (error != WsaError.Success)
        {
            return FailSocket(error);
        }

        var result = provider!.Provider.Socket(entry.AddressFamily, entry.SocketType, entry.ProtocolType);
        if (!result.IsSuccess)
        {
            return FailSocket(result.Error);
        }

        Map(result.Value, provider, session);
        return result.Value.Value;
    }

    /// <summary>closesocket: releases the handle (CLS-1..7, DUP-1); a second close gives WSAENOTSOCK.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error (WSAEWOULDBLOCK leaves the handle open, CLS-7).</returns>
    public int closesocket(nuint s)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        SpiResult result = WsaError.NotSocket;
        try
        {
            result = provider!.Provider.CloseSocket(new SocketHandle(s));
        }
        finally
        {
            // The provider released the handle unless the close was refused (CLS-7) or nothing is started.
            if (result.Error is not (WsaError.WouldBlock or WsaError.NotInitialized))
            {
                Unmap(s, provider!);
            }
        }

        return result.IsSuccess ? 0 : Fail(result.Error);
    }

    /// <summary>
    /// WSADuplicateSocket followed by WSASocket in the target process, for the same process only: gives a second handle
    /// to the same socket (DUP-1). Duplicating into another process is not simulated.
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="dwProcessId">The target process: must be this process's <see cref="SimulatedProcess.Id"/>.</param>
    /// <param name="lpDuplicate">The new SOCKET; INVALID_SOCKET on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another process), or the provider's error.</returns>
    public int WSADuplicateSocket(nuint s, int dwProcessId, out nuint lpDuplicate)
    {
        lpDuplicate = Winsock.InvalidSocket;
        long session;
        lock (_lock)
        {
            session = _session;
        }

        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (dwProcessId != Process.Id)
        {
            return Fail(WsaError.InvalidArgument);
        }

        var result = provider!.Provider.DuplicateSocket(new SocketHandle(s));
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        Map(result.Value, provider, session);
        lpDuplicate = result.Value.Value;
        return 0;
    }

    /// <summary>setsockopt(SOL_SOCKET, SO_LINGER): sets the linger behaviour of close (CLS-4..7).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="level">SOL_SOCKET.</param>
    /// <param name="optname">SO_LINGER.</param>
    /// <param name="optval">The LINGER value: l_onoff and l_linger.</param>
    /// <returns>
    /// 0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another level, or a time outside 0..65535),
    /// WSAENOPROTOOPT (another option; the only one simulated is SO_LINGER).
    /// </returns>
    public int setsockopt(nuint s, int level, int optname, LingerState optval)
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
            WSASetLastError(Ws2Constants.WSAENOPROTOOPT);
            return Winsock.SocketError;
        }

        return Complete(provider!.Provider.SetLinger(new SocketHandle(s), optval.Enabled, optval.Seconds));
    }

    /// <summary>ioctlsocket(FIONBIO): makes calls on the socket non-blocking (<paramref name="argp"/> non-zero) or blocking (0).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="cmd">FIONBIO; no other command is simulated.</param>
    /// <param name="argp">The argument.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another command, or blocking while event select is active, SEL-1).</returns>
    public int ioctlsocket(nuint s, int cmd, ref uint argp)
    {
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        if (cmd != Ws2Constants.FIONBIO)
        {
            return Fail(WsaError.InvalidArgument);
        }

        return Complete(provider!.Provider.SetBlocking(new SocketHandle(s), blocking: argp == 0));
    }

    /// <summary>bind: gives the socket a local endpoint; port 0 picks a free one.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="name">The endpoint.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (no endpoint), or the provider's error.</returns>
    public int bind(nuint s, EndPoint? name)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error)
            : name is null ? Fail(WsaError.Fault)
            : Complete(provider!.Provider.Bind(new SocketHandle(s), name));
    }

    /// <summary>listen: makes a bound stream socket accept connections.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="backlog">The most connections waiting to be accepted.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error.</returns>
    public int listen(nuint s, int backlog)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error) : Complete(provider!.Provider.Listen(new SocketHandle(s), backlog));
    }

    /// <summary>connect: connects a stream socket to a listener on the process's network.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="name">The listener's endpoint.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEFAULT (no endpoint), or the provider's error (WSAEWOULDBLOCK when non-blocking).</returns>
    public int connect(nuint s, EndPoint? name)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error)
            : name is null ? Fail(WsaError.Fault)
            : Complete(provider!.Provider.Connect(new SocketHandle(s), name));
    }

    /// <summary>accept: takes the oldest waiting connection as a new socket of the same provider.</summary>
    /// <param name="s">The listening SOCKET.</param>
    /// <returns>The new SOCKET, or INVALID_SOCKET with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error.</returns>
    public nuint accept(nuint s) => accept(s, out _);

    /// <summary>accept: takes the oldest waiting connection as a new socket of the same provider, and gives the peer's address.</summary>
    /// <param name="s">The listening SOCKET.</param>
    /// <param name="addr">The peer's endpoint; <see langword="null"/> on failure.</param>
    /// <returns>The new SOCKET, or INVALID_SOCKET with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error.</returns>
    public nuint accept(nuint s, out EndPoint? addr)
    {
        addr = null;
        long session;
        lock (_lock)
        {
            session = _session;
        }

        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return FailSocket(error);
        }

        var result = provider!.Provider.Accept(new SocketHandle(s));
        if (!result.IsSuccess)
        {
            return FailSocket(result.Error);
        }

        Map(result.Value, provider, session);
        var peer = provider.Provider.GetPeerName(result.Value);
        addr = peer.IsSuccess ? peer.Value : null;
        return result.Value.Value;
    }

    /// <summary>getsockname: the socket's local endpoint.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="name">The endpoint; <see langword="null"/> on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error (WSAEINVAL when not bound).</returns>
    public int getsockname(nuint s, out EndPoint? name)
    {
        name = null;
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        var result = provider!.Provider.GetSockName(new SocketHandle(s));
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        name = result.Value;
        return 0;
    }

    /// <summary>getpeername: the connected socket's remote endpoint.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="name">The endpoint; <see langword="null"/> on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error (WSAENOTCONN).</returns>
    public int getpeername(nuint s, out EndPoint? name)
    {
        name = null;
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        var result = provider!.Provider.GetPeerName(new SocketHandle(s));
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        name = result.Value;
        return 0;
    }

    /// <summary>shutdown: disables sends, receives or both.</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="how">SD_RECEIVE, SD_SEND or SD_BOTH.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, WSAEINVAL (another value of <paramref name="how"/>), or the provider's error.</returns>
    public int shutdown(nuint s, int how)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error)
            : how is < Ws2Constants.SD_RECEIVE or > Ws2Constants.SD_BOTH ? Fail(WsaError.InvalidArgument)
            : Complete(provider!.Provider.Shutdown(new SocketHandle(s), (SocketShutdown)how));
    }

    /// <summary>WSAEventSelect: associates network events with an event object and makes the socket non-blocking (SEL-1).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="hEventObject">The event; may be <see langword="null"/> only with no events.</param>
    /// <param name="lNetworkEvents">FD_* events; none removes the association.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error.</returns>
    public int WSAEventSelect(nuint s, WsaEvent? hEventObject, NetworkEvents lNetworkEvents)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error) : Complete(provider!.Provider.EventSelect(new SocketHandle(s), hEventObject, lNetworkEvents));
    }

    /// <summary>WSAEnumNetworkEvents: reads and clears the recorded network events, and resets the event (SEL-1).</summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="hEventObject">An event to reset, or <see langword="null"/>.</param>
    /// <param name="lpNetworkEvents">The events and their error codes; empty on failure.</param>
    /// <returns>0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error.</returns>
    public int WSAEnumNetworkEvents(nuint s, WsaEvent? hEventObject, out NetworkEventRecord lpNetworkEvents)
    {
        lpNetworkEvents = default;
        var error = Find(s, out var provider);
        if (error != WsaError.Success)
        {
            return Fail(error);
        }

        var result = provider!.Provider.EnumNetworkEvents(new SocketHandle(s), hEventObject);
        if (!result.IsSuccess)
        {
            return Fail(result.Error);
        }

        lpNetworkEvents = result.Value;
        return 0;
    }

    /// <summary>
    /// WSACancelBlockingCall: cancels the blocking call of the calling thread, normally from the blocking hook (BLK-3).
    /// A Windows Sockets 1.1 function: it works only while the process negotiated a 1.x version (the lowest version any
    /// WSAStartup of the session negotiated counts, as in ws2_32).
    /// </summary>
    /// <returns>
    /// 0 when a loaded provider cancelled the thread's blocking call (WSPCancelBlockingCall); or SOCKET_ERROR with
    /// WSANOTINITIALISED; WSAEOPNOTSUPP when the process uses Winsock 2; WSAEINVAL when the thread has no blocking call.
    /// </returns>
    public int WSACancelBlockingCall()
    {
        LoadedProvider[] providers;
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                return Fail(WsaError.NotInitialized);
            }

            if (_version.Major >= 2)
            {
                return Fail(WsaError.OperationNotSupported);
            }

            providers = [.. _loadOrder];
        }

        foreach (var provider in providers)
        {
            if (provider.Provider.CancelBlockingCall().IsSuccess)
            {
                return 0;
            }
        }

        return Fail(WsaError.InvalidArgument);
    }

    private int Complete(SpiResult result) => result.IsSuccess ? 0 : Fail(result.Error);

    /// <summary>The entry WSASocket uses when given protocol info: the catalog's entry with the same id, if the arguments agree with it.</summary>
    private SpiResult<ProviderCatalogEntry> FromProtocolInfo(int af, int type, int protocol, ProviderCatalogEntry info)
    {
        if (!Catalog.TryGetEntry(info.CatalogEntryId, out var entry) || entry.IsLayeredProtocol)
        {
            return WsaError.InvalidArgument;
        }

        static bool Agrees(int argument, int value) => argument is 0 or Ws2Constants.FROM_PROTOCOL_INFO || argument == value;
        return !Agrees(af, (int)entry.AddressFamily) ? WsaError.AddressFamilyNotSupported
            : !Agrees(type, (int)entry.SocketType) ? WsaError.SocketNotSupported
            : !Agrees(protocol, (int)entry.ProtocolType) ? WsaError.ProtocolNotSupported
            : entry;
    }
}
