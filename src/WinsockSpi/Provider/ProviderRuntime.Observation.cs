using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Diagnostics;
using WinsockSpi.Faults;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    private static readonly string[] s_callNames = CallNames();
    private static readonly ConditionalWeakTable<ProviderRuntime, object> s_live = LiveProviders();

    private volatile TraceRecorder? _recorder;
    private volatile FaultPlan? _faults;
    private bool _logging;
    private KeyValuePair<string, object?>[]? _logScope;

    /// <summary>
    /// Gets or sets the recorder of this provider's calls, upcalls and notifications; when <see langword="null"/>, the
    /// network's (<see cref="SimulatedNetwork.Recorder"/>) records them, if it has one.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    /// <remarks>May be changed at any time; a call records into the recorder it found when it returned.</remarks>
    public TraceRecorder? Recorder
    {
        get => _recorder ?? Network.Recorder;
        set => _recorder = value;
    }

    /// <summary>
    /// Gets or sets the fault plan this provider's calls count against, and whose byte faults apply to the connections its sockets make;
    /// when <see langword="null"/>, the network's (<see cref="SimulatedNetwork.Faults"/>), if it has one.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public FaultPlan? Faults
    {
        get => _faults ?? Network.Faults;
        set => _faults = value;
    }

    /// <summary>Gets the tag of the provider's handles: 1 for the first provider of its network, and so on (traces name the provider by it).</summary>
    internal int Tag => _table.Tag;

    /// <summary>Gets whether anyone observes the calls: a recorder, a fault plan, a metrics or activity listener.</summary>
    private bool IsObserved
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _recorder is not null || _faults is not null || _logging || Network.IsObserved || Telemetry.CallsObserved;
    }

    /// <summary>
    /// Decides, once, whether the calls open a logging scope and log their Trace-level events: only with a real logger
    /// (not the default <see cref="NullLoggerFactory"/>), so that without one the entries stay on their fast path.
    /// </summary>
    private void SetUpLogging(ILoggerFactory factory)
    {
        _logging = factory is not NullLoggerFactory;
        _logScope = _logging
            ? [new("ProcessId", Process.Id), new("Provider", Tag), new("ProviderId", ProviderId)]
            : null;
    }

    /// <summary>Opens the scope of a call's log events: the process id, the provider's number and its catalog id.</summary>
    private IDisposable? LogScope() => _logScope is { } state ? _logger.BeginScope(state) : null;

    /// <summary>Records a step of this provider into the recorder in effect, if any. Runs no user code (safe under the lock).</summary>
    internal void Trace(TraceEventKind kind, string name, SocketHandle? socket, WsaError? error, long? value, string? detail)
        => Recorder?.Record(kind, name, Process.Id, Tag, socket, error, value, detail);

    /// <summary>Counts the call against the fault plan; when a fault fails it, records the call with the fault's error.</summary>
    private bool TryFault(SpiCall call, SocketHandle? socket, out WsaError error)
    {
        error = WsaError.Success;
        if (Faults is not { } plan)
        {
            return false;
        }

        var failing = plan.OnCall(call, out var down);
        if (down is not null)
        {
            Network.IsAvailable = false;
            Recorder?.Record(TraceEventKind.Fault, "NetworkDown", Process.Id, Tag, null, WsaError.NetworkDown, down.N, down.Describe());
        }

        if (failing is null)
        {
            return false;
        }

        error = failing.Error;
        Recorder?.Record(TraceEventKind.Fault, "FailCall", Process.Id, Tag, socket, failing.Error, failing.N, failing.Describe());
        Observe(call, socket, error, null, "failed by the fault plan");
        return true;
    }

    private void Observe(SpiCall call, SocketHandle? socket, WsaError error, long? value, string? detail)
        => Trace(TraceEventKind.Call, s_callNames[(int)call], socket, error, value, detail);

    private void ObserveNewSocket(SpiCall call, SocketHandle? socket, SpiResult<SocketHandle> result)
        => Observe(call, socket, result.Error, null, result.IsSuccess ? "new " + result.Value : null);

    private void ObserveTransfer(SpiCall call, SocketHandle socket, int length, bool overlapped, SpiResult<int> result)
        => ObserveTransfer(call, socket, overlapped, result, sent: call == SpiCall.Send, length + " bytes offered"); // Send, Receive, ReceiveFrom

    /// <summary>
    /// Records a call that moves bytes (a send or receive of any form, AcceptEx, ConnectEx), counts the bytes a
    /// non-overlapped call moved, and logs its I/O pending. An overlapped call's bytes are counted when it is notified
    /// (<see cref="ObserveDelivery"/>), also when it completed at once (OVL-1): counting them here too counted them twice.
    /// </summary>
    private void ObserveTransfer(SpiCall call, SocketHandle socket, bool overlapped, SpiResult<int> result, bool sent, string detail)
    {
        Observe(call, socket, result.Error, result.IsSuccess ? result.Value : null, overlapped ? "overlapped, " + detail : detail);
        if (result.IsSuccess && !overlapped)
        {
            Telemetry.Bytes(sent, result.Value);
        }
        else if (result.Error == WsaError.IOPending)
        {
            Log.IoPending(_logger, call, socket);
        }
    }

    /// <summary>Records and counts the end of an overlapped operation handed to the upcall table (no lock held).</summary>
    private void ObserveDelivery(string upcall, SocketHandle socket, OperationKind kind, WsaError outcome, int bytes, WsaError result)
    {
        Recorder?.Record(TraceEventKind.Upcall, upcall, Process.Id, Tag, socket, result, bytes, kind + " ended with " + outcome.ToSymbol());
        Log.OperationEnded(_logger, kind, socket, outcome, bytes);
        Telemetry.OperationEnded(outcome == WsaError.Success ? "completed" : outcome == WsaError.OperationAborted ? "aborted" : "failed");
        if (outcome == WsaError.Success)
        {
            Telemetry.Bytes(IsSend(kind), bytes);
        }
    }

    /// <summary>Whether an operation's bytes went out: a send of any form, and the data a ConnectEx sends.</summary>
    private static bool IsSend(OperationKind kind) => kind is OperationKind.Send or OperationKind.SendTo or OperationKind.ConnectEx or OperationKind.DisconnectEx;

    /// <summary>Adds the provider to those whose sockets and pending operations the observable instruments sum.</summary>
    private void RegisterLive() => s_live.AddOrUpdate(this, s_live);

    /// <summary>Sums a count over the live providers, each read under its own lock (only when a listener asks).</summary>
    private static long Total(Func<ProviderRuntime, int> count)
    {
        long total = 0;
        foreach (var (provider, _) in s_live)
        {
            using (provider._lock.Enter())
            {
                total += provider._unloaded ? 0 : count(provider);
            }
        }

        return total;
    }

    private static ConditionalWeakTable<ProviderRuntime, object> LiveProviders()
    {
        Telemetry.SetTotals(static () => Total(static p => p._table.Count), static () => Total(static p => p._pendingCount));
        return [];
    }

    private static string[] CallNames()
    {
        var names = new string[Enum.GetValues<SpiCall>().Length];
        foreach (var call in Enum.GetValues<SpiCall>())
        {
            names[(int)call] = call switch
            {
                SpiCall.Receive or SpiCall.ReceiveBuffers => "WSPRecv",
                SpiCall.ReceiveFrom or SpiCall.ReceiveFromBuffers => "WSPRecvFrom",
                SpiCall.SendToBuffers => "WSPSendTo",
                SpiCall.SendBuffers => "WSPSend",
                SpiCall.SetLinger or SpiCall.SetSocketOption => "WSPSetSockOpt",
                SpiCall.GetLinger or SpiCall.GetSocketOption => "WSPGetSockOpt",
                SpiCall.SetBlocking or SpiCall.AssociateCompletionPort => "WSPIoctl",
                SpiCall.AcceptEx or SpiCall.ConnectEx or SpiCall.DisconnectEx => call.ToString(),
                SpiCall.SetCompletionNotificationModes => "SetFileCompletionNotificationModes",
                _ => "WSP" + call,
            };
        }

        return names;
    }
}
