using System.Net;
using System.Net.Sockets;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>
/// The public service-provider entries: each runs its call (the <c>…Core</c> method of the partial that owns the concern)
/// and, only when someone observes (a trace recorder, a fault plan, a metrics or activity listener), counts it against
/// the fault plan, records it and measures it. With nobody observing, an entry costs one check more than its call.
/// </summary>
public sealed partial class ProviderRuntime
{
    /// <inheritdoc cref="StartupCore"/>
    public WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null)
    {
        if (!IsObserved)
        {
            return StartupCore(requested, out data, upcalls);
        }

        using var scope = LogScope();
        using var activity = Telemetry.StartLifecycleActivity("WSPStartup", Process.Id, Tag);
        if (TryFault(SpiCall.Startup, null, out var fault))
        {
            data = default;
            Telemetry.Startup(activity, fault);
            return fault;
        }

        var error = StartupCore(requested, out data, upcalls);
        Observe(SpiCall.Startup, null, error, null, error == WsaError.Success ? $"requested {requested}, wVersion {data.Version}" : $"requested {requested}");
        Telemetry.Startup(activity, error);
        return error;
    }

    /// <inheritdoc cref="CleanupCore"/>
    public SpiResult Cleanup()
    {
        if (!IsObserved)
        {
            return CleanupCore();
        }

        using var scope = LogScope();
        using var activity = Telemetry.StartLifecycleActivity("WSPCleanup", Process.Id, Tag);
        if (TryFault(SpiCall.Cleanup, null, out var fault))
        {
            Telemetry.Cleanup(activity, fault);
            return fault;
        }

        var result = CleanupCore();
        Observe(SpiCall.Cleanup, null, result.Error, null, null);
        Telemetry.Cleanup(activity, result.Error);
        return result;
    }

    /// <inheritdoc cref="SocketCore"/>
    public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (!IsObserved)
        {
            return SocketCore(family, type, protocol);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Socket, null, out var fault))
        {
            return fault;
        }

        var result = SocketCore(family, type, protocol);
        ObserveNewSocket(SpiCall.Socket, null, result);
        return result;
    }

    /// <inheritdoc cref="DuplicateSocketCore"/>
    public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return DuplicateSocketCore(socket);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.DuplicateSocket, socket, out var fault))
        {
            return fault;
        }

        var result = DuplicateSocketCore(socket);
        ObserveNewSocket(SpiCall.DuplicateSocket, socket, result);
        return result;
    }

    /// <inheritdoc cref="CloseSocketCore"/>
    public SpiResult CloseSocket(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return CloseSocketCore(socket);
        }

        using var scope = LogScope();
        using var activity = Telemetry.StartCloseActivity(Process.Id, Tag, socket);
        if (TryFault(SpiCall.CloseSocket, socket, out var fault))
        {
            Telemetry.Ended(activity, fault);
            return fault;
        }

        var result = CloseSocketCore(socket);
        Observe(SpiCall.CloseSocket, socket, result.Error, null, null);
        Telemetry.Ended(activity, result.Error);
        return result;
    }

    /// <inheritdoc cref="SetLingerCore"/>
    public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds)
    {
        if (!IsObserved)
        {
            return SetLingerCore(socket, enabled, seconds);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SetLinger, socket, out var fault))
        {
            return fault;
        }

        var result = SetLingerCore(socket, enabled, seconds);
        Observe(SpiCall.SetLinger, socket, result.Error, null, enabled ? "SO_LINGER " + seconds + " s" : "SO_DONTLINGER");
        return result;
    }

    /// <inheritdoc cref="SetBlockingCore"/>
    public SpiResult SetBlocking(SocketHandle socket, bool blocking)
    {
        if (!IsObserved)
        {
            return SetBlockingCore(socket, blocking);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.SetBlocking, socket, out var fault))
        {
            return fault;
        }

        var result = SetBlockingCore(socket, blocking);
        Observe(SpiCall.SetBlocking, socket, result.Error, null, blocking ? "FIONBIO 0 (blocking)" : "FIONBIO 1 (non-blocking)");
        return result;
    }

    /// <inheritdoc cref="BindCore"/>
    public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint)
    {
        if (!IsObserved)
        {
            return BindCore(socket, localEndPoint);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Bind, socket, out var fault))
        {
            return fault;
        }

        var result = BindCore(socket, localEndPoint);
        Observe(SpiCall.Bind, socket, result.Error, null, localEndPoint?.ToString());
        return result;
    }

    /// <inheritdoc cref="ListenCore"/>
    public SpiResult Listen(SocketHandle socket, int backlog)
    {
        if (!IsObserved)
        {
            return ListenCore(socket, backlog);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Listen, socket, out var fault))
        {
            return fault;
        }

        var result = ListenCore(socket, backlog);
        Observe(SpiCall.Listen, socket, result.Error, null, null);
        return result;
    }

    /// <inheritdoc cref="AcceptCore"/>
    public SpiResult<SocketHandle> Accept(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return AcceptCore(socket);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Accept, socket, out var fault))
        {
            return fault;
        }

        var result = AcceptCore(socket);
        ObserveNewSocket(SpiCall.Accept, socket, result);
        return result;
    }

    /// <inheritdoc cref="ConnectCore"/>
    public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint)
    {
        if (!IsObserved)
        {
            return ConnectCore(socket, remoteEndPoint);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Connect, socket, out var fault))
        {
            return fault;
        }

        var result = ConnectCore(socket, remoteEndPoint);
        Observe(SpiCall.Connect, socket, result.Error, null, remoteEndPoint?.ToString());
        if (result.Error is WsaError.Success or WsaError.WouldBlock)
        {
            Log.ConnectSucceeded(_logger, socket, remoteEndPoint!, result.Error);
        }
        return result;
    }

    /// <inheritdoc cref="ShutdownCore"/>
    public SpiResult Shutdown(SocketHandle socket, SocketShutdown how)
    {
        if (!IsObserved)
        {
            return ShutdownCore(socket, how);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Shutdown, socket, out var fault))
        {
            return fault;
        }

        var result = ShutdownCore(socket, how);
        Observe(SpiCall.Shutdown, socket, result.Error, null, how.ToString());
        return result;
    }

    /// <inheritdoc cref="SendCore"/>
    public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return SendCore(socket, data, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Send, socket, out var fault))
        {
            return fault;
        }

        var result = SendCore(socket, data, overlapped, routine);
        ObserveTransfer(SpiCall.Send, socket, data.Length, overlapped is not null, result);
        return result;
    }

    /// <inheritdoc cref="ReceiveCore"/>
    public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
    {
        if (!IsObserved)
        {
            return ReceiveCore(socket, buffer, overlapped, routine);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.Receive, socket, out var fault))
        {
            return fault;
        }

        var result = ReceiveCore(socket, buffer, overlapped, routine);
        ObserveTransfer(SpiCall.Receive, socket, buffer.Length, overlapped is not null, result);
        return result;
    }

    /// <inheritdoc cref="GetOverlappedResultCore"/>
    public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait)
    {
        if (!IsObserved)
        {
            return GetOverlappedResultCore(socket, overlapped, wait);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.GetOverlappedResult, socket, out var fault))
        {
            return fault;
        }

        var result = GetOverlappedResultCore(socket, overlapped, wait);
        Observe(SpiCall.GetOverlappedResult, socket, result.Error, result.IsSuccess ? result.Value : null, wait ? "wait" : null);
        return result;
    }

    /// <inheritdoc cref="CancelBlockingCallCore"/>
    public SpiResult CancelBlockingCall()
    {
        if (!IsObserved)
        {
            return CancelBlockingCallCore();
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.CancelBlockingCall, null, out var fault))
        {
            return fault;
        }

        var result = CancelBlockingCallCore();
        Observe(SpiCall.CancelBlockingCall, null, result.Error, null, null);
        return result;
    }

    /// <inheritdoc cref="EventSelectCore"/>
    public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events)
    {
        if (!IsObserved)
        {
            return EventSelectCore(socket, eventObject, events);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.EventSelect, socket, out var fault))
        {
            return fault;
        }

        var result = EventSelectCore(socket, eventObject, events);
        Observe(SpiCall.EventSelect, socket, result.Error, null, events.ToString());
        return result;
    }

    /// <inheritdoc cref="EnumNetworkEventsCore"/>
    public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null)
    {
        if (!IsObserved)
        {
            return EnumNetworkEventsCore(socket, resetEvent);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.EnumNetworkEvents, socket, out var fault))
        {
            return fault;
        }

        var result = EnumNetworkEventsCore(socket, resetEvent);
        Observe(SpiCall.EnumNetworkEvents, socket, result.Error, null, result.IsSuccess ? result.Value.Events.ToString() : null);
        return result;
    }

    /// <inheritdoc cref="GetSockNameCore"/>
    public SpiResult<EndPoint> GetSockName(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return GetSockNameCore(socket);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.GetSockName, socket, out var fault))
        {
            return fault;
        }

        var result = GetSockNameCore(socket);
        Observe(SpiCall.GetSockName, socket, result.Error, null, result.IsSuccess ? result.Value.ToString() : null);
        return result;
    }

    /// <inheritdoc cref="GetPeerNameCore"/>
    public SpiResult<EndPoint> GetPeerName(SocketHandle socket)
    {
        if (!IsObserved)
        {
            return GetPeerNameCore(socket);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.GetPeerName, socket, out var fault))
        {
            return fault;
        }

        var result = GetPeerNameCore(socket);
        Observe(SpiCall.GetPeerName, socket, result.Error, null, result.IsSuccess ? result.Value.ToString() : null);
        return result;
    }

    /// <inheritdoc cref="AssociateCompletionPortCore"/>
    public SpiResult AssociateCompletionPort(SocketHandle socket, CompletionPort port, nuint completionKey)
    {
        if (!IsObserved)
        {
            return AssociateCompletionPortCore(socket, port, completionKey);
        }

        using var scope = LogScope();
        if (TryFault(SpiCall.AssociateCompletionPort, socket, out var fault))
        {
            return fault;
        }

        var result = AssociateCompletionPortCore(socket, port, completionKey);
        Observe(SpiCall.AssociateCompletionPort, socket, result.Error, null, "completion port, key " + completionKey);
        return result;
    }
}
