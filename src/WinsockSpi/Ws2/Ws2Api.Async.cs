using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Processes;

namespace WinsockSpi.Ws2;

// Window messages at the API layer: WSAAsyncSelect (ASY-1..3) and the asynchronous host lookups (ASY-4).
public sealed partial class Ws2Api
{
    /// <summary>The default of <see cref="Ws2ApiOptions.AsyncRequestDelay"/>: how long an asynchronous request takes.</summary>
    public static readonly TimeSpan DefaultAsyncRequestDelay = TimeSpan.FromMilliseconds(1);

    // The requests not yet completed or cancelled, by task handle; guarded by _lock. A request leaves it exactly once: by
    // completing (its timer), by WSACancelAsyncRequest, or by the end of the session; whoever removes it decides its fate.
    private readonly Dictionary<nint, AsyncRequest> _requests = [];
    private TimeProvider? _asyncClock;
    private TimeSpan _asyncDelay = DefaultAsyncRequestDelay;
    private long _nextTask;

    /// <summary>Gets how many asynchronous requests are neither completed nor cancelled yet (ASY-4).</summary>
    public int PendingAsyncRequestCount
    {
        get
        {
            lock (_lock)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>
    /// WSAAsyncSelect: asks the socket's provider (WSPAsyncSelect) for a window message per network event: wParam the
    /// socket, lParam WSAMAKESELECTREPLY(event, error). Makes the socket non-blocking; replaces a WSAEventSelect or an
    /// earlier WSAAsyncSelect; no events cancels (ASY-1..3).
    /// </summary>
    /// <param name="s">The SOCKET.</param>
    /// <param name="hWnd">The window; may be <see langword="null"/> only with no events.</param>
    /// <param name="wMsg">The message number.</param>
    /// <param name="lEvent">FD_* events.</param>
    /// <returns>
    /// 0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENOTSOCK, or the provider's error (WSAEINVAL for unknown bits, no
    /// window, a window of another process or one that is no longer valid, for example because its thread has ended).
    /// </returns>
    public int WSAAsyncSelect(nuint s, SimulatedWindow? hWnd, int wMsg, NetworkEvents lEvent)
    {
        var error = Find(s, out var provider);
        return error != WsaError.Success ? Fail(error) : Complete(provider!.Provider.AsyncSelect(new SocketHandle(s), hWnd, wMsg, lEvent));
    }

    /// <summary>
    /// WSAAsyncGetHostByName: starts a host lookup answered through the namespace providers (started as
    /// <see cref="gethostbyname"/> starts them, NSP-1) and returns its task handle. <see cref="Ws2ApiOptions.AsyncRequestDelay"/>
    /// of clock time later the request completes: <paramref name="buf"/> is filled and one message is posted to
    /// <paramref name="hWnd"/>, wParam the task handle, lParam WSAMAKEASYNCREPLY(length, error) (ASY-4).
    /// </summary>
    /// <param name="hWnd">The window the message goes to.</param>
    /// <param name="wMsg">The message number.</param>
    /// <param name="name">The host name: <c>"localhost"</c> and IPv4 literals are known, as for gethostbyname.</param>
    /// <param name="buf">The buffer the host entry goes to.</param>
    /// <param name="buflen">Its length; an answer longer than this completes with WSAENOBUFS and the length it needs.</param>
    /// <returns>
    /// The task handle (never 0); or 0 with the calling thread's last error set to WSANOTINITIALISED, WSAEINVAL (no window,
    /// a window of another process or one no longer valid), or WSAEFAULT (no name, no buffer, a negative length).
    /// </returns>
    /// <remarks>
    /// The message reports WSAHOST_NOT_FOUND for an unknown name, WSAENOBUFS when <paramref name="buflen"/> is too small
    /// (with the length needed), or 0 with the length of the entry in <paramref name="buf"/> (<see cref="HostEntBuffer.SizeOf"/>).
    /// A request cancelled by <see cref="WSACancelAsyncRequest"/> or by the final WSACleanup posts nothing.
    /// </remarks>
    public nint WSAAsyncGetHostByName(SimulatedWindow? hWnd, int wMsg, string? name, HostEntBuffer? buf, int buflen)
    {
        if (name is null)
        {
            return FailTask(CheckStarted() is var e && e != WsaError.Success ? e : WsaError.Fault);
        }

        return StartRequest(hWnd, wMsg, buf, buflen, () => LookUpName(name));
    }

    /// <summary>
    /// WSAAsyncGetHostByAddr: the reverse lookup, asynchronous as <see cref="WSAAsyncGetHostByName"/> is (ASY-4): the
    /// loopback address 127.0.0.1 is known as <c>"localhost"</c>; any other address completes with WSAHOST_NOT_FOUND.
    /// </summary>
    /// <param name="hWnd">The window the message goes to.</param>
    /// <param name="wMsg">The message number.</param>
    /// <param name="addr">The address, in network order.</param>
    /// <param name="len">Its length: 4 for AF_INET.</param>
    /// <param name="type">The address family: AF_INET.</param>
    /// <param name="buf">The buffer the host entry goes to.</param>
    /// <param name="buflen">Its length.</param>
    /// <returns>
    /// The task handle; or 0 with the last error set as <see cref="WSAAsyncGetHostByName"/> does, or to WSAEAFNOSUPPORT
    /// for a type other than AF_INET, or WSAEFAULT when <paramref name="addr"/> is missing or shorter than 4 bytes or
    /// <paramref name="len"/> is not 4.
    /// </returns>
    public nint WSAAsyncGetHostByAddr(SimulatedWindow? hWnd, int wMsg, byte[]? addr, int len, int type, HostEntBuffer? buf, int buflen)
    {
        var started = CheckStarted();
        if (started != WsaError.Success)
        {
            return FailTask(started);
        }

        if (type != Ws2Constants.AF_INET)
        {
            return FailTask(WsaError.AddressFamilyNotSupported);
        }

        if (addr is null || len != 4 || addr.Length < 4)
        {
            return FailTask(WsaError.Fault);
        }

        var address = new IPAddress(addr.AsSpan(0, 4));
        return StartRequest(hWnd, wMsg, buf, buflen, () => LookUpAddress(address));
    }

    /// <summary>WSACancelAsyncRequest: cancels an asynchronous request not yet completed; it posts no message (ASY-4).</summary>
    /// <param name="hAsyncTaskHandle">The task handle.</param>
    /// <returns>
    /// 0; or SOCKET_ERROR with WSANOTINITIALISED, or WSAEINVAL for a handle that names no request, or one that has
    /// completed or was cancelled already.
    /// </returns>
    public int WSACancelAsyncRequest(nint hAsyncTaskHandle)
    {
        AsyncRequest? request;
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                return Fail(WsaError.NotInitialized);
            }

            if (!_requests.Remove(hAsyncTaskHandle, out request))
            {
                return Fail(WsaError.InvalidArgument);
            }

            request.Ended = true;
        }

        request.Timer?.Dispose();
        Ws2Log.AsyncRequestCancelled(_logger, hAsyncTaskHandle);
        SetLastError(WsaError.Success);
        return 0;
    }

    /// <summary>Sets the clock and the delay of asynchronous requests from the options (the other constructors keep the process's clock).</summary>
    private void ConfigureAsync(Ws2ApiOptions options)
    {
        _asyncClock = options.TimeProvider;
        _asyncDelay = options.AsyncRequestDelay;
    }

    /// <summary>
    /// Cancels every request of the session without a message (the final WSACleanup, or <see cref="Dispose"/>), under the
    /// lock that completions take, so that no message of a request follows the cleanup (ASY-4, ASY-3).
    /// </summary>
    private void CancelAsyncRequests_NeedsLock()
    {
        foreach (var request in _requests.Values)
        {
            // Its timer is left to fire: the callback finds the request ended and disposes the timer with no lock held.
            request.Ended = true;
        }

        _requests.Clear();
    }

    private nint StartRequest(SimulatedWindow? hWnd, int wMsg, HostEntBuffer? buf, int buflen, Func<(IPHostEntry? Entry, WsaError Error)> lookUp)
    {
        var error = StartNamespaceProviders(); // WSANOTINITIALISED first, then the namespace providers (NSP-1)
        if (error != WsaError.Success)
        {
            return FailTask(error);
        }

        if (hWnd is null || hWnd.Process != Process || !hWnd.IsValid)
        {
            return FailTask(WsaError.InvalidArgument);
        }

        if (buf is null || buflen < 0)
        {
            return FailTask(WsaError.Fault);
        }

        AsyncRequest request;
        lock (_lock)
        {
            if (_startupCount == 0)
            {
                return FailTask(WsaError.NotInitialized);
            }

            // Task handles count up from 1 for the life of the layer, so a handle is never reused (an old one gives WSAEINVAL).
            request = new AsyncRequest(this, (nint)(++_nextTask), hWnd, wMsg, buf, buflen, lookUp);
            _requests.Add(request.Handle, request);
        }

        // Created with no lock held: a clock may run a due callback at once, and the callback takes the lock.
        var timer = (_asyncClock ?? Process.TimeProvider).CreateTimer(static r => ((AsyncRequest)r!).Complete(), request, _asyncDelay, Timeout.InfiniteTimeSpan);
        bool ended;
        lock (_lock)
        {
            ended = request.Ended;
            if (!ended)
            {
                request.Timer = timer;
            }
        }

        if (ended)
        {
            timer.Dispose();
        }

        SetLastError(WsaError.Success);
        return request.Handle;
    }

    /// <summary>
    /// Completes a request when its time has come, unless it was cancelled: fills the buffer and posts the one message. The
    /// decision and the post are made under the lock the cancellations take, so a cancel or cleanup that returned has
    /// either prevented the message or seen it posted; posting takes only the window's own lock and runs no user code.
    /// </summary>
    private void CompleteRequest(AsyncRequest request)
    {
        bool posted;
        int length;
        WsaError error;
        lock (_lock)
        {
            posted = !request.Ended && _requests.Remove(request.Handle);
            (length, error) = posted ? Complete_NeedsLock(request) : (0, WsaError.Success);
        }

        // Disposed here for every request that got this far: a cancelled one (WSACancelAsyncRequest disposes too, which
        // is harmless) or one the final WSACleanup ended, whose timer is left to fire so that no lock is held to dispose it.
        request.Timer?.Dispose();
        if (posted)
        {
            Ws2Log.AsyncRequestCompleted(_logger, request.Handle, length, error);
        }
    }

    /// <summary>Answers a request that has just left the pending set: fills its buffer and posts its one message.</summary>
    private static (int Length, WsaError Error) Complete_NeedsLock(AsyncRequest request)
    {
        request.Ended = true;
        var (entry, error) = request.LookUp();
        int length = 0;
        if (entry is not null)
        {
            length = HostEntBuffer.SizeOf(entry);
            if (length > request.BufferLength)
            {
                error = WsaError.NoBufferSpaceAvailable; // the message carries the length needed
            }
            else
            {
                request.Buffer.HostEntry = entry;
                request.Buffer.Length = length;
            }
        }

        request.Window.PostMessage(request.Message, (nuint)request.Handle, Winsock.MakeAsyncReply(length, (int)error));
        return (length, error);
    }

    /// <summary>The answers of gethostbyname: the local host and IPv4 literals.</summary>
    private static (IPHostEntry? Entry, WsaError Error) LookUpName(string name)
    {
        if (name.Length == 0 || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (new IPHostEntry { HostName = "localhost", Aliases = [], AddressList = [IPAddress.Loopback] }, WsaError.Success);
        }

        return IPAddress.TryParse(name, out var address) && address.AddressFamily == AddressFamily.InterNetwork
            ? (new IPHostEntry { HostName = name, Aliases = [], AddressList = [address] }, WsaError.Success)
            : (null, WsaError.HostNotFound);
    }

    private static (IPHostEntry? Entry, WsaError Error) LookUpAddress(IPAddress address)
        => address.Equals(IPAddress.Loopback)
            ? (new IPHostEntry { HostName = "localhost", Aliases = [], AddressList = [address] }, WsaError.Success)
            : (null, WsaError.HostNotFound);

    private nint FailTask(WsaError error)
    {
        SetLastError(error);
        return 0;
    }

    /// <summary>One asynchronous request: what it answers and where its message goes. <see cref="Ended"/> is guarded by the layer's lock.</summary>
    private sealed class AsyncRequest(Ws2Api api, nint handle, SimulatedWindow window, int message, HostEntBuffer buffer, int bufferLength, Func<(IPHostEntry? Entry, WsaError Error)> lookUp)
    {
        public nint Handle { get; } = handle;

        public SimulatedWindow Window { get; } = window;

        public int Message { get; } = message;

        public HostEntBuffer Buffer { get; } = buffer;

        public int BufferLength { get; } = bufferLength;

        public Func<(IPHostEntry? Entry, WsaError Error)> LookUp { get; } = lookUp;

        public ITimer? Timer;

        public bool Ended;

        public void Complete() => api.CompleteRequest(this);
    }
}
