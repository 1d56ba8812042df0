using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The Ws2 layer seen through the provider interface, so the provider's reference model drives the C-shaped calls
/// (WSAStartup, socket, WSARecv, closesocket, ...): each SOCKET_ERROR / INVALID_SOCKET becomes the calling thread's
/// last error (WS2-1..3), which is how a C program reads it. Startup and cleanup are WSAStartup and WSACleanup.
/// </summary>
internal sealed class Ws2Adapter(Ws2Api api) : IWspProvider
{
    public Ws2Api Api { get; } = api;

    public Guid ProviderId => ProviderOptions.DefaultProviderId;

    public WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null)
    {
        int rc = Api.WSAStartup(requested.ToWord(), out _);
        data = default!;
        return (WsaError)rc;
    }

    public SpiResult Cleanup() => Status(Api.WSACleanup());

    public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        Handle(Api.socket((int)family, (int)type, (int)protocol));

    public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket) =>
        Api.WSADuplicateSocket(socket.Value, Api.Process.Id, out var copy) == 0 ? new SocketHandle(copy) : LastError();

    public SpiResult CloseSocket(SocketHandle socket) => Status(Api.closesocket(socket.Value));

    public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds) =>
        Status(Api.setsockopt(socket.Value, SOL_SOCKET, SO_LINGER, new LingerState(enabled, seconds)));

    public SpiResult SetBlocking(SocketHandle socket, bool blocking)
    {
        uint nonBlocking = blocking ? 0u : 1u;
        return Status(Api.ioctlsocket(socket.Value, FIONBIO, ref nonBlocking));
    }

    public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint) => Status(Api.bind(socket.Value, localEndPoint));

    public SpiResult Listen(SocketHandle socket, int backlog) => Status(Api.listen(socket.Value, backlog));

    public SpiResult<SocketHandle> Accept(SocketHandle socket) => Handle(Api.accept(socket.Value));

    public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint) => Status(Api.connect(socket.Value, remoteEndPoint));

    public SpiResult Shutdown(SocketHandle socket, SocketShutdown how) => Status(Api.shutdown(socket.Value, (int)how));

    public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (overlapped is null)
        {
            int sent = Api.send(socket.Value, data.Span, data.Length, 0);
            return sent == SOCKET_ERROR ? LastError() : sent;
        }

        int bytes = 0;
        return Api.WSASend(socket.Value, data, ref bytes, 0, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (overlapped is null)
        {
            int received = Api.recv(socket.Value, buffer.Span, buffer.Length, 0);
            return received == SOCKET_ERROR ? LastError() : received;
        }

        int bytes = 0, flags = 0;
        return Api.WSARecv(socket.Value, buffer, ref bytes, ref flags, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> SendTo(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0;
        return Api.WSASendTo(socket.Value, data, ref bytes, 0, destination, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> ReceiveFrom(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0, flags = 0;
        return Api.WSARecvFrom(socket.Value, buffer, ref bytes, ref flags, from, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait)
    {
        int bytes = 0, flags = 0;
        return Api.WSAGetOverlappedResult(socket.Value, overlapped, ref bytes, wait, ref flags) ? bytes : LastError();
    }

    public SpiResult CancelBlockingCall() => Status(Api.WSACancelBlockingCall());

    public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events) =>
        Status(Api.WSAEventSelect(socket.Value, eventObject, events));

    public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null) =>
        Api.WSAEnumNetworkEvents(socket.Value, resetEvent, out var record) == 0 ? record : LastError();

    public SpiResult AsyncSelect(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events) =>
        Status(Api.WSAAsyncSelect(socket.Value, window, message, events));

    public SpiResult<EndPoint> GetSockName(SocketHandle socket) =>
        Api.getsockname(socket.Value, out var name) == 0 ? name! : LastError();

    public SpiResult<EndPoint> GetPeerName(SocketHandle socket) =>
        Api.getpeername(socket.Value, out var name) == 0 ? name! : LastError();

    public SpiResult<int> Select(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout)
    {
        var read = ToFdSet(checkRead);
        var write = ToFdSet(checkWrite);
        var except = ToFdSet(checkError);
        TimeVal? tv = timeout is { } t ? new TimeVal((int)t.TotalSeconds, t.Microseconds) : null;
        int n = Api.select(0, read, write, except, tv);
        if (n == SOCKET_ERROR)
        {
            return LastError();
        }

        FromFdSet(read, checkRead);
        FromFdSet(write, checkWrite);
        FromFdSet(except, checkError);
        return n;
    }

    private static FdSet? ToFdSet(IList<SocketHandle>? set)
    {
        if (set is null)
        {
            return null;
        }

        var fd = new FdSet(Math.Max(1, set.Count));
        foreach (var s in set)
        {
            FD_SET(s.Value, fd);
        }

        return fd;
    }

    private static void FromFdSet(FdSet? fd, IList<SocketHandle>? set)
    {
        if (fd is null || set is null)
        {
            return;
        }

        set.Clear();
        for (int i = 0; i < fd.fd_count; i++)
        {
            set.Add(new SocketHandle(fd[i]));
        }
    }

    public SpiResult<object?> Ioctl(SocketHandle socket, uint ioControlCode, object? input)
    {
        int bytes = 0;
        return Api.WSAIoctl(socket.Value, ioControlCode, input, out var output, ref bytes, null, null) == 0 ? output : new SpiResult<object?>(LastError());
    }

    public SpiResult SetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value) =>
        Status(Api.setsockopt(socket.Value, (int)level, (int)name, (int)value));

    public SpiResult<int> GetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name)
    {
        int value = 0;
        return Api.getsockopt(socket.Value, (int)level, (int)name, ref value) == 0 ? value : LastError();
    }

    public SpiResult<LingerState> GetLinger(SocketHandle socket)
    {
        LingerState value = default;
        return Api.getsockopt(socket.Value, SOL_SOCKET, SO_LINGER, ref value) == 0 ? value : LastError();
    }

    public SpiResult<int> SendBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0;
        var array = buffers.ToArray();
        return Api.WSASend(socket.Value, array, array.Length, ref bytes, 0, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> ReceiveBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0, f = (int)flags;
        var array = buffers.ToArray();
        return Api.WSARecv(socket.Value, array, array.Length, ref bytes, ref f, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> SendToBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0;
        var array = buffers.ToArray();
        return Api.WSASendTo(socket.Value, array, array.Length, ref bytes, 0, destination, overlapped, routine) == 0 ? bytes : LastError();
    }

    public SpiResult<int> ReceiveFromBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        int bytes = 0, flags = 0;
        var array = buffers.ToArray();
        return Api.WSARecvFrom(socket.Value, array, array.Length, ref bytes, ref flags, from, overlapped, routine) == 0 ? bytes : LastError();
    }

    private WsaError LastError()
    {
        var error = (WsaError)Api.WSAGetLastError();
        Assert.True(error != WsaError.Success, "a failed Ws2 call left the last error at 0 (WS2-3)");
        return error;
    }

    private SpiResult Status(int rc) => rc == 0 ? SpiResult.Success : LastError();

    private SpiResult<SocketHandle> Handle(nuint s) => s == INVALID_SOCKET ? LastError() : new SocketHandle(s);
}
