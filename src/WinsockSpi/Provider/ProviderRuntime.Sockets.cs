using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>WSPSocket: creates a socket (SOC-1, SOC-2).</summary>
    /// <param name="family">InterNetwork or InterNetworkV6.</param>
    /// <param name="type">Stream (TCP) or Dgram (UDP: messages, <see cref="SendTo"/> and <see cref="ReceiveFrom"/>, DGM-1..5).</param>
    /// <param name="protocol">Tcp or Udp to match the type; Unspecified picks it.</param>
    /// <returns>
    /// The handle; or WSANOTINITIALISED, WSAEAFNOSUPPORT, WSAESOCKTNOSUPPORT, WSAEPROTONOSUPPORT, or WSAEMFILE when the
    /// table is full.
    /// </returns>
    private SpiResult<SocketHandle> SocketCore(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return StartedOr(WsaError.AddressFamilyNotSupported);
        }

        if (type is not (SocketType.Stream or SocketType.Dgram))
        {
            return StartedOr(WsaError.SocketNotSupported);
        }

        var expected = type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp;
        if (protocol != expected && protocol is not (ProtocolType.Unspecified or ProtocolType.IP))
        {
            return StartedOr(WsaError.ProtocolNotSupported);
        }

        SocketHandle handle;
        int full = -1;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            if (_startupCount == 0)
            {
                return WsaError.NotInitialized;
            }

            var socket = RentSocket_NeedsLock();
            if (!_table.TryAdd(socket, out handle))
            {
                _pool.Push(socket);
                full = _table.Count;
            }
            else
            {
                socket.Init_NeedsLock(family, type, expected);
            }
        }

        if (full >= 0)
        {
            Log.SocketTableFull(_logger, full, _table.Capacity);
            return WsaError.TooManyOpenSockets;
        }

        if (_logging) // without a real logger (the default) nothing is logged: no call at all
        {
            Log.SocketCreated(_logger, handle);
        }

        return handle;
    }

    /// <summary>
    /// WSPDuplicateSocket followed by WSPSocket in the same process: a second handle to the same socket (DUP-1).
    /// Closing one of several handles cancels and notifies nothing; the socket is torn down at the last close.
    /// </summary>
    /// <param name="socket">A live handle.</param>
    /// <returns>The new handle; or WSANOTINITIALISED, WSAENOTSOCK, WSAEMFILE.</returns>
    private SpiResult<SocketHandle> DuplicateSocketCore(SocketHandle socket)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var target);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (!_table.TryAdd(target!, out var handle))
            {
                return WsaError.TooManyOpenSockets;
            }

            target!.HandleCount++;
            return handle;
        }
    }

    /// <summary>
    /// WSPCloseSocket: releases the handle at once (CLS-1). At the last handle of a socket (DUP-1), pending overlapped
    /// operations end with WSA_OPERATION_ABORTED and are notified (CLS-2), blocking calls on it return WSAEINTR and
    /// event select stops (CLS-3), and the connection closes per SO_LINGER (CLS-4..7). Once it returns, every
    /// notification of the socket already decided on any thread has been delivered and none follows (CLN-13, SEL-2).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <returns>
    /// Success; WSANOTINITIALISED; WSAENOTSOCK (also for a second close); WSAEWOULDBLOCK for a non-blocking socket
    /// lingering {1,t&gt;0} with unsent data (the handle stays valid, CLS-7); WSAEINTR when the final cleanup interrupts
    /// a lingering close.
    /// </returns>
    /// <remarks>With linger {1,t&gt;0} on a blocking socket with unsent data, blocks until the peer has read it or t seconds of
    /// <see cref="TimeProvider"/> time pass; on timeout the connection is reset (CLS-6). Called from inside a notification
    /// of the same socket, it does not wait for that notification (CLN-12).</remarks>
    private SpiResult CloseSocketCore(SocketHandle socket)
    {
        var notifications = default(Notifications);
        LingeringClose? linger;
        ProviderSocket? inFlight;
        int aborted, interrupted, remaining;
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var target, forClose: true);
            if (error != WsaError.Success)
            {
                return error;
            }

            var s = target!;
            bool last = s.HandleCount == 1;
            if (last && s.Linger is { Enabled: true, Seconds: > 0 } && !s.Blocking && s.UnsentBytes_NeedsLock() > 0)
            {
                return WsaError.WouldBlock;
            }

            // Anything that can throw (the linger timer comes from the user's TimeProvider) runs before the close changes
            // anything, so an exception leaves the handle and its socket as they were.
            linger = last ? PrepareLinger_NeedsLock(s) : null;
            _table.RemoveFound(socket);
            remaining = --s.HandleCount;
            WakeSelects_NeedsLock(); // a select holding this handle reports it ready (SLT-2)
            if (!last)
            {
                return SpiResult.Success;
            }

            (aborted, interrupted) = s.AbortAll_NeedsLock(silent: false, ref notifications, CloseReceiveStatus_NeedsLock(s));
            var end = s.CloseConnection_NeedsLock(linger is not null, ref notifications);
            if (linger is not null)
            {
                BeginLinger_NeedsLock(linger, end!);
            }

            // A socket with notifications still being delivered is not pooled, so what is counted on it stays its own.
            inFlight = ReleaseSocket_NeedsLock(s) ? null : s;
        }

        ExceptionDispatchInfo? failure = null;
        try
        {
            Dispatch(ref notifications);
        }
        catch (Exception ex)
        {
            failure = ExceptionDispatchInfo.Capture(ex); // user code of another provider; the close still completes
        }

        if (inFlight is not null)
        {
            WaitForDeliveries(inFlight);
        }

        if (_logging) // without a real logger (the default) the close logs nothing: no call at all
        {
            if (aborted + interrupted > 0)
            {
                Log.OperationsAbortedByClose(_logger, socket, aborted, interrupted);
            }

            Log.SocketClosed(_logger, socket, remaining);
        }

        var result = linger is null ? SpiResult.Success : WaitForLinger(linger);
        failure?.Throw();
        return result;
    }

    /// <summary>Sets SO_LINGER (<paramref name="enabled"/> true) or SO_DONTLINGER (false) (CLS-4..7).</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="enabled">l_onoff.</param>
    /// <param name="seconds">l_linger, 0..65535.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL for a negative or too large time.</returns>
    private SpiResult SetLingerCore(SocketHandle socket, bool enabled, int seconds)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (seconds is < 0 or > ushort.MaxValue)
            {
                return WsaError.InvalidArgument;
            }

            s!.Linger = new LingerState(enabled, enabled ? seconds : 0);
            return SpiResult.Success;
        }
    }

    /// <summary>FIONBIO: makes calls on the socket blocking or non-blocking.</summary>
    /// <param name="socket">The handle.</param>
    /// <param name="blocking">Whether calls block.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL when asked to block while event select is active (SEL-1).</returns>
    private SpiResult SetBlockingCore(SocketHandle socket, bool blocking)
    {
        using (_lock.Enter())
        {
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if (blocking && s!.SelectMask != NetworkEvents.None)
            {
                return WsaError.InvalidArgument;
            }

            s!.Blocking = blocking;
            return SpiResult.Success;
        }
    }

    /// <summary>
    /// Looks a handle up: WSANOTINITIALISED before startup (STA-8), WSAENOTSOCK for anything but a live handle (SOC-1),
    /// WSAECONNABORTED for a stream a cancelled blocking call broke, except for the close (BLK-3).
    /// </summary>
    private WsaError Find_NeedsLock(SocketHandle handle, out ProviderSocket? socket, bool forClose = false)
    {
        AssertInvariants_NeedsLock(); // every public call on a handle passes here: the Debug check at each entry
        if (_startupCount == 0)
        {
            socket = null;
            return WsaError.NotInitialized;
        }

        socket = _table.Find(handle);
        return socket is null ? WsaError.NotSocket : socket.CheckUsable_NeedsLock(forClose);
    }

    private WsaError StartedOr(WsaError error)
    {
        using (_lock.Enter())
        {
            return _startupCount == 0 ? WsaError.NotInitialized : error;
        }
    }

    private ProviderSocket RentSocket_NeedsLock() => _pool.TryPop(out var s) ? s : new ProviderSocket(this);

    /// <summary>
    /// Returns a socket whose last handle is gone to the pool, releasing what it held on the network; one whose
    /// notifications are still being delivered on another thread is left to the collector instead.
    /// </summary>
    /// <returns>Whether it was pooled (nothing of it was still being delivered).</returns>
    private bool ReleaseSocket_NeedsLock(ProviderSocket s)
    {
        if (!s.Release_NeedsLock())
        {
            AddDraining_NeedsLock(s); // the final cleanup waits for its deliveries (CLN-13)
            return false;
        }

        _pool.Push(s);
        return true;
    }
}
