using System.Net;
using System.Net.Sockets;
using Microsoft.Coyote.Specifications;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Coyote;

/// <summary>
/// One provider started in one process on a network with a harness listener, for a Coyote scenario. Only the
/// library's own synchronisation runs underneath (Monitor locks, atomics, tasks), so Coyote controls every
/// interleaving; no timer is ever armed (no linger, no blocking hook, no timed wait).
/// </summary>
internal sealed class ScenarioHarness
{
    /// <param name="network">The network; a new one when null.</param>
    /// <param name="process">The process; a new one on the network when null.</param>
    /// <param name="onTheProcessTable">
    /// Starts the provider with the process's own upcall table instead of <see cref="Upcalls"/>: an operation whose only
    /// notification is its status is then published under the provider's lock, and its object stays bound to it.
    /// <see cref="Upcalls"/> is then not installed and counts nothing.
    /// </param>
    public ScenarioHarness(SimulatedNetwork? network = null, SimulatedProcess? process = null, bool onTheProcessTable = false)
    {
        Network = network ?? new SimulatedNetwork();
        Process = process ?? new SimulatedProcess(Network);
        Runtime = new ProviderRuntime(new ProviderOptions { Process = Process });
        Upcalls = new CountingUpcalls(Process);
        IUpcalls table = onTheProcessTable ? new ProcessUpcalls(Process) : Upcalls;
        Check.That(Runtime.Startup(WinsockVersion.V2_2, out _, table) == WsaError.Success, "Startup failed.");
        Listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>
    /// Starts two providers in one new process, each with a stream socket connected to its own harness listener: the
    /// setting of OVL-11, where one overlapped object may be started on either provider.
    /// </summary>
    /// <param name="onTheProcessTable">Starts both providers with the process's own upcall table (see the constructor).</param>
    /// <returns>Each provider with its connected socket and the far end of it.</returns>
    public static ((ScenarioHarness Harness, SocketHandle Socket, RemotePeer Peer) A, (ScenarioHarness Harness, SocketHandle Socket, RemotePeer Peer) B) TwoInOneProcess(bool onTheProcessTable = false)
    {
        var network = new SimulatedNetwork();
        var process = new SimulatedProcess(network);
        var a = new ScenarioHarness(network, process, onTheProcessTable);
        var b = new ScenarioHarness(network, process, onTheProcessTable);
        var sa = a.Connect(out var peerA);
        var sb = b.Connect(out var peerB);
        return ((a, sa, peerA), (b, sb, peerB));
    }

    public SimulatedNetwork Network { get; }

    public SimulatedProcess Process { get; }

    public ProviderRuntime Runtime { get; }

    public CountingUpcalls Upcalls { get; }

    public PeerListener Listener { get; }

    /// <summary>Creates a stream socket, connects it to the harness listener and hands back the far end.</summary>
    public SocketHandle Connect(out RemotePeer peer)
    {
        var s = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Runtime.Connect(s, Listener.EndPoint).ThrowIfFailed();
        peer = Listener.Accept();
        return s;
    }

    /// <summary>Pends one overlapped receive of <paramref name="size"/> bytes on <paramref name="s"/>, notified by its own event.</summary>
    public WsaOverlapped PendReceive(SocketHandle s, int size = 1)
    {
        var ov = new WsaOverlapped(new WsaEvent());
        var result = Runtime.Receive(s, new byte[size], ov);
        Check.That(result.Error == WsaError.IOPending, $"The receive did not pend: {result}.");
        return ov;
    }
}

/// <summary>The process's upcall table, counting every notification the provider makes through it, per operation too.</summary>
internal sealed class CountingUpcalls(SimulatedProcess process) : IUpcalls
{
    private readonly ProcessUpcalls _inner = new(process);

    /// <inheritdoc/>
    public BlockingCallback? QueryBlockingCallback() => _inner.QueryBlockingCallback();

    /// <inheritdoc/>
    public WsaError PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam) => _inner.PostMessage(window, message, wParam, lParam);

    private readonly object _gate = new();
    private readonly Dictionary<WsaOverlapped, int> _perOperation = new(ReferenceEqualityComparer.Instance);
    private int _notifications;

    /// <summary>Gets every notification made so far (routines queued, completions made known).</summary>
    public int NotificationCount
    {
        get
        {
            lock (_gate)
            {
                return _notifications;
            }
        }
    }

    /// <summary>Gets how many notifications one operation received.</summary>
    public int NotificationsOf(WsaOverlapped overlapped)
    {
        lock (_gate)
        {
            return _perOperation.GetValueOrDefault(overlapped);
        }
    }

    /// <inheritdoc/>
    public WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        Count(context as WsaOverlapped);
        return _inner.QueueApc(thread, routine, context);
    }

    /// <inheritdoc/>
    public WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        // Counted on entry: a notification still on its way when a teardown returns is one the teardown let escape.
        Count(completion.Overlapped);
        return _inner.CompleteOverlappedRequest(completion);
    }

    private void Count(WsaOverlapped? overlapped)
    {
        lock (_gate)
        {
            _notifications++;
            if (overlapped is not null)
            {
                _perOperation[overlapped] = _perOperation.GetValueOrDefault(overlapped) + 1;
            }
        }
    }
}

/// <summary>
/// What was observable when a teardown (final cleanup, close) returned: CLN-13 and SEL-2 say nothing of it may change
/// afterwards, whatever other threads were doing.
/// </summary>
internal sealed class QuiescenceProbe
{
    private readonly CountingUpcalls _upcalls;
    private readonly WsaEvent[] _events;
    private readonly WsaOverlapped[]? _operations;
    private readonly int _notifications;
    private readonly int[] _setCounts;

    private QuiescenceProbe(CountingUpcalls upcalls, WsaOverlapped[]? operations, WsaEvent[] events)
    {
        _upcalls = upcalls;
        _operations = operations;
        _events = events;
        _notifications = Notifications();
        _setCounts = Array.ConvertAll(events, e => e.SetCount);
    }

    /// <summary>Records, at the moment a teardown returned, the notifications made and how often each event was set.</summary>
    public static QuiescenceProbe Take(CountingUpcalls upcalls, params WsaEvent[] events) => new(upcalls, null, events);

    /// <summary>
    /// Records, at the moment a close returned, the notifications of that socket's operations and their events: a close
    /// promises quiescence for its own socket only (CLN-13), another socket's completions may still arrive.
    /// </summary>
    public static QuiescenceProbe TakeFor(CountingUpcalls upcalls, params WsaOverlapped[] operations)
        => new(upcalls, operations, Array.ConvertAll(operations, o => o.Event!));

    private int Notifications() => _operations is null ? _upcalls.NotificationCount : _operations.Sum(_upcalls.NotificationsOf);

    /// <summary>Asserts that no notification was made and no event was set since the probe was taken.</summary>
    public void AssertNothingSince(string teardown)
    {
        Check.That(
            Notifications() == _notifications,
            $"CLN-13: {Notifications() - _notifications} notification(s) delivered after {teardown} returned.");
        for (int i = 0; i < _events.Length; i++)
        {
            Check.That(
                _events[i].SetCount == _setCounts[i],
                $"CLN-13/SEL-2: event {i} was set after {teardown} returned (set count {_setCounts[i]} then {_events[i].SetCount}).");
        }
    }
}

/// <summary>Assertions that Coyote reports as bugs, with the failing schedule saved for replay.</summary>
internal static class Check
{
    public static void That(bool condition, string message) => Specification.Assert(condition, message);

    /// <summary>Asserts, right after a teardown returned, that an operation no longer reads pending (CLN-13).</summary>
    public static void NotPending(WsaOverlapped ov, string name, string teardown)
    {
        // One read: another thread may still change it, and the message must show what the check saw.
        var status = ov.Status;
        That(status != OperationStatus.Pending, $"CLN-13: {name} still reads {status} after {teardown} returned.");
    }

    /// <summary>Asserts that an operation ended exactly once: not pending, not idle, and notified at most once.</summary>
    public static void EndedOnce(CountingUpcalls upcalls, WsaOverlapped ov, string name)
    {
        That(ov.Status is OperationStatus.Completed or OperationStatus.Aborted or OperationStatus.Failed, $"{name} ended as {ov.Status}.");
        That(upcalls.NotificationsOf(ov) <= 1, $"{name} was notified {upcalls.NotificationsOf(ov)} times.");
        That(ov.Event is null || ov.Event.SetCount <= 1, $"{name}'s event was set {ov.Event?.SetCount} times.");
    }

    /// <summary>Awaits every task through the array overload of WhenAll, the one Coyote intercepts.</summary>
    public static Task All(Task[] tasks) => Task.WhenAll(tasks);
}
