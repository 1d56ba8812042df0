using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Ws2;

/// <summary>
/// A provider that forwards every call to a <see cref="ProviderRuntime"/> and counts the lifecycle calls it sees:
/// successful WSPStartup calls, WSPCleanup calls, and whether it was unloaded (disposed).
/// </summary>
internal sealed class CountingProvider(ProviderRuntime inner) : IWspProvider, IDisposable
{
    private int _startups;
    private int _failedStartups;
    private int _cleanups;
    private int _disposals;

    public ProviderRuntime Inner { get; } = inner;

    public Guid ProviderId => Inner.ProviderId;

    public int Startups => Volatile.Read(ref _startups);

    public int FailedStartups => Volatile.Read(ref _failedStartups);

    public int Cleanups => Volatile.Read(ref _cleanups);

    public int Disposals => Volatile.Read(ref _disposals);

    public IUpcalls? LastUpcalls { get; private set; }

    public WinsockVersion? LastRequestedVersion { get; private set; }

    public WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null)
    {
        LastRequestedVersion = requested;
        LastUpcalls = upcalls;
        var error = Inner.Startup(requested, out data, upcalls);
        Interlocked.Increment(ref error == WsaError.Success ? ref _startups : ref _failedStartups);
        return error;
    }

    public SpiResult Cleanup()
    {
        Interlocked.Increment(ref _cleanups);
        return Inner.Cleanup();
    }

    public void Dispose()
    {
        Interlocked.Increment(ref _disposals);
        Inner.Dispose();
    }

    public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol) => Inner.Socket(family, type, protocol);

    public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket) => Inner.DuplicateSocket(socket);

    public SpiResult CloseSocket(SocketHandle socket) => Inner.CloseSocket(socket);

    public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds) => Inner.SetLinger(socket, enabled, seconds);

    public SpiResult SetBlocking(SocketHandle socket, bool blocking) => Inner.SetBlocking(socket, blocking);

    public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint) => Inner.Bind(socket, localEndPoint);

    public SpiResult Listen(SocketHandle socket, int backlog) => Inner.Listen(socket, backlog);

    public SpiResult<SocketHandle> Accept(SocketHandle socket) => Inner.Accept(socket);

    public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint) => Inner.Connect(socket, remoteEndPoint);

    public SpiResult Shutdown(SocketHandle socket, SocketShutdown how) => Inner.Shutdown(socket, how);

    public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.Send(socket, data, overlapped, routine);

    public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.Receive(socket, buffer, overlapped, routine);

    public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait) => Inner.GetOverlappedResult(socket, overlapped, wait);

    public SpiResult CancelBlockingCall() => Inner.CancelBlockingCall();

    public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events) => Inner.EventSelect(socket, eventObject, events);

    public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null) => Inner.EnumNetworkEvents(socket, resetEvent);

    public SpiResult AsyncSelect(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events) => Inner.AsyncSelect(socket, window, message, events);

    public SpiResult<EndPoint> GetSockName(SocketHandle socket) => Inner.GetSockName(socket);

    public SpiResult<EndPoint> GetPeerName(SocketHandle socket) => Inner.GetPeerName(socket);

    public SpiResult<int> Select(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout)
        => Inner.Select(checkRead, checkWrite, checkError, timeout);

    public SpiResult<int> SendTo(SocketHandle socket, ReadOnlyMemory<byte> data, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.SendTo(socket, data, destination, overlapped, routine);

    public SpiResult<int> ReceiveFrom(SocketHandle socket, Memory<byte> buffer, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.ReceiveFrom(socket, buffer, from, overlapped, routine);

    public SpiResult<object?> Ioctl(SocketHandle socket, uint ioControlCode, object? input) => Inner.Ioctl(socket, ioControlCode, input);

    public SpiResult SetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name, long value) => Inner.SetSocketOption(socket, level, name, value);

    public SpiResult<int> GetSocketOption(SocketHandle socket, SocketOptionLevel level, SocketOptionName name) => Inner.GetSocketOption(socket, level, name);

    public SpiResult<LingerState> GetLinger(SocketHandle socket) => Inner.GetLinger(socket);

    public SpiResult<int> SendBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.SendBuffers(socket, buffers, overlapped, routine);

    public SpiResult<int> ReceiveBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SocketFlags flags, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.ReceiveBuffers(socket, buffers, flags, overlapped, routine);

    public SpiResult<int> SendToBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, EndPoint? destination, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.SendToBuffers(socket, buffers, destination, overlapped, routine);

    public SpiResult<int> ReceiveFromBuffers(SocketHandle socket, ReadOnlyMemory<WsaBuf> buffers, SourceAddress? from, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
        => Inner.ReceiveFromBuffers(socket, buffers, from, overlapped, routine);
}
