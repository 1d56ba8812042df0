using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Layering;

// The forwarded entries of the proc table: each is the same three steps (Begin, the lower call, Done or Refused), so the
// list of entries lives in IWspProvider and WspEntry, and what the layer does around a call lives once, below them.
public sealed partial class LayeredProvider
{
    /// <inheritdoc cref="ProviderRuntime.Socket"/>
    /// <remarks>Forwarded to the lower provider; the lower handle is returned unchanged, and the layer's final cleanup closes it.</remarks>
    public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        using var f = Begin(WspEntry.Socket, default);
        return f.Lower is { } lower ? Done(in f, lower.Socket(family, type, protocol)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.DuplicateSocket"/>
    /// <remarks>Forwarded to the lower provider; the lower handle is returned unchanged, and the layer's final cleanup closes it.</remarks>
    public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket)
    {
        using var f = Begin(WspEntry.DuplicateSocket, socket);
        return f.Lower is { } lower ? Done(in f, lower.DuplicateSocket(socket)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.CloseSocket"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult CloseSocket(SocketHandle socket)
    {
        using var f = Begin(WspEntry.CloseSocket, socket);
        return f.Lower is { } lower ? Done(in f, Forget(in f, lower.CloseSocket(socket))) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.SetLinger"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds)
    {
        using var f = Begin(WspEntry.SetLinger, socket);
        return f.Lower is { } lower ? Done(in f, lower.SetLinger(socket, enabled, seconds)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.SetBlocking"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult SetBlocking(SocketHandle socket, bool blocking)
    {
        using var f = Begin(WspEntry.SetBlocking, socket);
        return f.Lower is { } lower ? Done(in f, lower.SetBlocking(socket, blocking)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Bind"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint)
    {
        using var f = Begin(WspEntry.Bind, socket);
        return f.Lower is { } lower ? Done(in f, lower.Bind(socket, localEndPoint)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Listen"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult Listen(SocketHandle socket, int backlog)
    {
        using var f = Begin(WspEntry.Listen, socket);
        return f.Lower is { } lower ? Done(in f, lower.Listen(socket, backlog)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Accept"/>
    /// <remarks>Forwarded to the lower provider; the lower handle is returned unchanged, and the layer's final cleanup closes it.</remarks>
    public SpiResult<SocketHandle> Accept(SocketHandle socket)
    {
        using var f = Begin(WspEntry.Accept, socket);
        return f.Lower is { } lower ? Done(in f, lower.Accept(socket)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Connect"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint)
    {
        using var f = Begin(WspEntry.Connect, socket);
        return f.Lower is { } lower ? Done(in f, lower.Connect(socket, remoteEndPoint)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Shutdown"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult Shutdown(SocketHandle socket, SocketShutdown how)
    {
        using var f = Begin(WspEntry.Shutdown, socket);
        return f.Lower is { } lower ? Done(in f, lower.Shutdown(socket, how)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Send"/>
    /// <remarks>Forwarded to the lower provider with the same overlapped object and routine; the interceptor sees the byte count.</remarks>
    public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.Send, socket, data.Length, overlapped);
        return f.Lower is { } lower ? Done(in f, lower.Send(socket, data, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Receive"/>
    /// <remarks>Forwarded to the lower provider with the same overlapped object and routine; the interceptor sees the byte count.</remarks>
    public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        using var f = Begin(WspEntry.Receive, socket, buffer.Length, overlapped);
        return f.Lower is { } lower ? Done(in f, lower.Receive(socket, buffer, overlapped, routine)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.GetOverlappedResult"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait)
    {
        using var f = Begin(WspEntry.GetOverlappedResult, socket, 0, overlapped);
        return f.Lower is { } lower ? Done(in f, lower.GetOverlappedResult(socket, overlapped, wait)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.CancelBlockingCall"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult CancelBlockingCall()
    {
        using var f = Begin(WspEntry.CancelBlockingCall, default);
        return f.Lower is { } lower ? Done(in f, lower.CancelBlockingCall()) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.EventSelect"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events)
    {
        using var f = Begin(WspEntry.EventSelect, socket);
        return f.Lower is { } lower ? Done(in f, lower.EventSelect(socket, eventObject, events)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.EnumNetworkEvents"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null)
    {
        using var f = Begin(WspEntry.EnumNetworkEvents, socket);
        return f.Lower is { } lower ? Done(in f, lower.EnumNetworkEvents(socket, resetEvent)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.GetSockName"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<EndPoint> GetSockName(SocketHandle socket)
    {
        using var f = Begin(WspEntry.GetSockName, socket);
        return f.Lower is { } lower ? Done(in f, lower.GetSockName(socket)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.GetPeerName"/>
    /// <remarks>Forwarded to the lower provider.</remarks>
    public SpiResult<EndPoint> GetPeerName(SocketHandle socket)
    {
        using var f = Begin(WspEntry.GetPeerName, socket);
        return f.Lower is { } lower ? Done(in f, lower.GetPeerName(socket)) : Refused(in f);
    }

    /// <inheritdoc cref="ProviderRuntime.Select"/>
    /// <remarks>
    /// Forwarded to the lower provider with the same sets (the layer hands out the lower handles unchanged). The
    /// interceptor sees the first handle of the first non-empty set, the one ws2_32 picks the provider by, and the ready count.
    /// </remarks>
    public SpiResult<int> Select(IList<SocketHandle>? checkRead, IList<SocketHandle>? checkWrite, IList<SocketHandle>? checkError, TimeSpan? timeout)
    {
        using var f = Begin(WspEntry.Select, FirstHandle(checkRead, checkWrite, checkError));
        return f.Lower is { } lower ? Done(in f, lower.Select(checkRead, checkWrite, checkError, timeout)) : Refused(in f);
    }

    private static SocketHandle FirstHandle(IList<SocketHandle>? read, IList<SocketHandle>? write, IList<SocketHandle>? except)
        => read is { Count: > 0 } ? read[0] : write is { Count: > 0 } ? write[0] : except is { Count: > 0 } ? except[0] : default;

    /// <summary>
    /// Lets the interceptor see the call, then gives the lower provider; none, with the reason, when the call is refused:
    /// the interceptor's code, or WSANOTINITIALISED while the layer's count is 0 (STA-8). A call on a socket created
    /// through the layer (and a socket creation) is counted as in progress until the forwarding ends, so that the final
    /// cleanup can wait for it (CLN-5).
    /// </summary>
    private Forwarding Begin(WspEntry entry, SocketHandle socket, int length = 0, WsaOverlapped? overlapped = null)
    {
        var call = new LayerCall(this, entry, socket, length, overlapped);
        var refusal = _interceptor?.OnCalling(in call) ?? WsaError.Success;
        if (refusal != WsaError.Success)
        {
            return new Forwarding(call, refusal, null, counted: false);
        }

        lock (_trackLock)
        {
            var epoch = _epoch;
            if (epoch is null)
            {
                return new Forwarding(call, WsaError.NotInitialized, null, counted: false);
            }

            bool counted = entry == WspEntry.Socket || epoch.Sockets.ContainsKey(socket);
            bool tracked = false;
            if (counted)
            {
                Activate_NeedsTrackLock(epoch);

                // Known before the lower call, whose notification may come before it returns. An object already
                // tracked belongs to an operation still running (this call will get WSAEINVAL, OVL-7): it stays its own.
                if (overlapped is not null && entry is WspEntry.Send or WspEntry.Receive or WspEntry.SendTo or WspEntry.ReceiveFrom or WspEntry.SendBuffers or WspEntry.ReceiveBuffers or WspEntry.SendToBuffers or WspEntry.ReceiveFromBuffers)
                {
                    tracked = _pending.TryAdd(overlapped, epoch);
                }
            }

            return new Forwarding(call, WsaError.Success, epoch, counted, tracked);
        }
    }

    private WsaError Refused(in Forwarding f)
    {
        _interceptor?.OnCalled(in f.Call, new LayerCallResult(f.Refusal, false));
        return f.Refusal;
    }

    private SpiResult Done(in Forwarding f, SpiResult result)
    {
        _interceptor?.OnCalled(in f.Call, new LayerCallResult(result.Error, true));
        return result;
    }

    private SpiResult<T> Done<T>(in Forwarding f, SpiResult<T> result)
    {
        _interceptor?.OnCalled(in f.Call, new LayerCallResult(result.Error, true));
        return result;
    }

    private SpiResult<int> Done(in Forwarding f, SpiResult<int> result)
    {
        if (f.Call.Overlapped is { } overlapped && result.Error != WsaError.IOPending && f.Tracked)
        {
            // Ended at once (its notification, if any, was already passed up) or never started.
            lock (_trackLock)
            {
                if (_pending.TryGetValue(overlapped, out var owner) && owner == f.Epoch)
                {
                    _pending.Remove(overlapped);
                }
            }
        }

        _interceptor?.OnCalled(in f.Call, new LayerCallResult(result.Error, true, result.GetValueOrDefault(0)));
        return result;
    }

    /// <summary>
    /// Records a socket created through the layer, for the final cleanup to close. A socket that arrives after that
    /// cleanup began (a creation that raced with it) is reset and closed at once, and the call fails with WSAEINTR, as
    /// a call overtaken by the final cleanup does (CLN-5).
    /// </summary>
    private SpiResult<SocketHandle> Done(in Forwarding f, SpiResult<SocketHandle> result)
    {
        if (result.IsSuccess)
        {
            var socket = result.Value;
            bool kept;
            lock (_trackLock)
            {
                var epoch = f.Epoch!;
                kept = !epoch.TornDown;
                if (kept)
                {
                    // A duplicate of a socket the layer did not create shares that socket with its creator: closing it may not reset it.
                    bool mayReset = f.Call.Entry != WspEntry.DuplicateSocket || (epoch.Sockets.TryGetValue(f.Call.Socket, out var source) && source);
                    epoch.Sockets[socket] = mayReset;
                }
            }

            if (!kept)
            {
                f.Lower!.SetLinger(socket, enabled: true, seconds: 0);
                f.Lower!.CloseSocket(socket);
                result = WsaError.Interrupted;
            }
        }

        _interceptor?.OnCalled(in f.Call, new LayerCallResult(result.Error, true, NewSocket: result.GetValueOrDefault(default)));
        return result;
    }

    /// <summary>A handle that the lower provider closed, or no longer knows, is no longer the layer's to close.</summary>
    private SpiResult Forget(in Forwarding f, SpiResult result)
    {
        if (result.Error is WsaError.Success or WsaError.NotSocket)
        {
            lock (_trackLock)
            {
                f.Epoch!.Sockets.Remove(f.Call.Socket);
            }
        }

        return result;
    }

    /// <summary>One call through the layer, from <see cref="Begin"/> to the end of its <c>using</c>.</summary>
    private readonly struct Forwarding(LayerCall call, WsaError refusal, Epoch? epoch, bool counted, bool tracked = false) : IDisposable
    {
        /// <summary>Whether this call began tracking its overlapped object (so only this call may stop tracking it).</summary>
        public readonly bool Tracked = tracked;

        public readonly LayerCall Call = call;

        public readonly WsaError Refusal = refusal;

        public readonly Epoch? Epoch = epoch;

        public readonly bool Counted = counted;

        /// <summary>Gets the lower provider, or <see langword="null"/> when the call is refused.</summary>
        public IWspProvider? Lower => Refusal == WsaError.Success ? Epoch!.Lower : null;

        public void Dispose()
        {
            if (Counted)
            {
                Call.Layer.Deactivate(Epoch!);
            }
        }
    }
}
