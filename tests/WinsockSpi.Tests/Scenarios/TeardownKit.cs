using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Scenarios;

/// <summary>
/// One provider started in one process on a network with a harness listener: the arrangement every teardown test
/// (close, linger, duplicates, final cleanup, process death) starts from. Time is fake and every upcall is recorded.
/// </summary>
internal sealed class TeardownHarness : IDisposable
{
    public TeardownHarness(int sendBufferSize = 64 * 1024, SimulatedNetwork? network = null, int startups = 1, int maxProcesses = 0, ILoggerFactory? loggerFactory = null)
    {
        Network = network ?? new SimulatedNetwork();
        Process = new SimulatedProcess(Network);
        Time = new FakeTimeProvider();
        Runtime = new ProviderRuntime(new ProviderOptions
        {
            Process = Process,
            SendBufferSize = sendBufferSize,
            TimeProvider = Time,
            MaxProcesses = maxProcesses,
            LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance,
        });
        Upcalls = new TeardownUpcalls(Process);
        for (int i = 0; i < startups; i++)
        {
            Assert.Equal(WsaError.Success, Runtime.Startup(WinsockVersion.V2_2, out _, Upcalls));
        }

        Listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public SimulatedNetwork Network { get; }

    public SimulatedProcess Process { get; }

    public FakeTimeProvider Time { get; }

    public ProviderRuntime Runtime { get; }

    public TeardownUpcalls Upcalls { get; }

    public PeerListener Listener { get; }

    /// <summary>Creates a stream socket, connects it to the harness listener and hands back the far end.</summary>
    public SocketHandle Connect(out RemotePeer peer)
    {
        var s = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Runtime.Connect(s, Listener.EndPoint).ThrowIfFailed();
        peer = Listener.Accept();
        return s;
    }

    /// <summary>Creates a socket bound to a free port and listening with <paramref name="backlog"/>.</summary>
    public SocketHandle ListenOnFreePort(int backlog, out EndPoint endPoint)
    {
        var s = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        Runtime.Listen(s, backlog).ThrowIfFailed();
        endPoint = Runtime.GetSockName(s).ThrowIfFailed();
        return s;
    }

    /// <summary>Fills the socket's send buffer so that the peer has <paramref name="count"/> unread bytes (pattern data).</summary>
    public byte[] SendUnread(SocketHandle s, int count, int seed = 1)
    {
        var data = TeardownData.Pattern(count, seed);
        Assert.Equal(count, Runtime.Send(s, data).ThrowIfFailed());
        return data;
    }

    /// <summary>Asserts that the provider holds nothing and could be unloaded (CLN-8).</summary>
    public void AssertUnloadReady()
    {
        Assert.Equal(0, Runtime.StartupCount);
        Assert.Equal(0, Runtime.Sockets.Count);
        Assert.Empty(Runtime.Sockets.Snapshot());
        Assert.Equal(0, Runtime.Operations.PendingCount);
        Assert.Equal(0, Runtime.Operations.BlockedCallCount);
        Assert.Empty(Runtime.Operations.Snapshot());
        Assert.True(Runtime.IsUnloadReady);
        Runtime.ValidateInvariants();
    }

    public void Dispose()
    {
        Runtime.Dispose();
        Process.Terminate();
        Listener.Dispose();
    }
}

/// <summary>The process's upcall table, counting every notification the provider makes through it.</summary>
internal sealed class TeardownUpcalls(SimulatedProcess process) : ProcessUpcalls(process)
{
    private readonly ConcurrentDictionary<object, int> _perOperation = new(ReferenceEqualityComparer.Instance);
    private int _apcs;
    private int _completions;

    /// <summary>Gets how many calls WPUQueueApc received (completion routines queued).</summary>
    public int ApcCount => Volatile.Read(ref _apcs);

    /// <summary>Gets how many calls WPUCompleteOverlappedRequest received (events set, packets posted).</summary>
    public int CompletionCount => Volatile.Read(ref _completions);

    /// <summary>Gets every notification made so far.</summary>
    public int NotificationCount => ApcCount + CompletionCount;

    /// <summary>Gets how many notifications (routine queued, or completion made known) one operation received.</summary>
    public int NotificationsOf(WsaOverlapped overlapped) => _perOperation.GetValueOrDefault(overlapped);

    public override WsaError QueueApc(WsaThreadId thread, ApcRoutine routine, object? context)
    {
        Interlocked.Increment(ref _apcs);
        if (context is WsaOverlapped overlapped)
        {
            _perOperation.AddOrUpdate(overlapped, 1, (_, n) => n + 1);
        }

        return base.QueueApc(thread, routine, context);
    }

    public override WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
    {
        Interlocked.Increment(ref _completions);
        _perOperation.AddOrUpdate(completion.Overlapped, 1, (_, n) => n + 1);
        return base.CompleteOverlappedRequest(completion);
    }
}

/// <summary>Counts the runs of one completion routine: how often, on which thread, with what outcome.</summary>
internal sealed class TeardownRoutineProbe
{
    private int _calls;
    private int _thread;
    private WsaError _error = WsaError.IOPending;
    private int _bytes = -1;

    public int Calls => Volatile.Read(ref _calls);

    public int ThreadId => Volatile.Read(ref _thread);

    public WsaError Error => _error;

    public int Bytes => _bytes;

    /// <summary>Gets or sets something to do inside the routine, after it has been counted.</summary>
    public Action? OnRun { get; set; }

    public CompletionRoutine Routine => (error, bytes, _, _) =>
    {
        _error = error;
        _bytes = bytes;
        Volatile.Write(ref _thread, Environment.CurrentManagedThreadId);
        Interlocked.Increment(ref _calls);
        OnRun?.Invoke();
    };
}

/// <summary>Threads and waits for teardown tests: bounded, and never a sleep.</summary>
internal static class TeardownThreads
{
    /// <summary>The most any wait in a teardown test may take; reached only when the simulator is broken.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking calls must not starve the pool).</summary>
    public static Task<T> Start<T>(Func<T> body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Waits for <paramref name="task"/> and returns its result; fails the test after <see cref="Timeout"/>.</summary>
    public static T Join<T>(Task<T> task)
    {
        Assert.True(task.Wait(Timeout), "The worker did not finish in time: a blocked call was never released.");
        return task.Result;
    }

    /// <summary>Waits for the provider to have exactly <paramref name="count"/> threads blocked in it.</summary>
    public static void WaitForBlockedCalls(ProviderRuntime runtime, int count)
        => Assert.True(
            SpinWait.SpinUntil(() => runtime.Operations.BlockedCallCount == count, Timeout),
            $"Expected {count} blocked calls, saw {runtime.Operations.BlockedCallCount}.");

    /// <summary>Waits until a thread is blocked in the provider, then checks the worker has not returned.</summary>
    public static Task<T> StartBlocked<T>(ProviderRuntime runtime, Func<T> body)
    {
        int before = runtime.Operations.BlockedCallCount;
        var task = Start(body);
        WaitForBlockedCalls(runtime, before + 1);
        Assert.False(task.IsCompleted);
        return task;
    }

    /// <summary>Waits for a handshake between test threads (it returns as soon as it is set).</summary>
    public static void WaitFor(ManualResetEventSlim gate) => Assert.True(gate.Wait(Timeout), "A test thread never reached its handshake.");

    /// <summary>Waits for an event that must be set (it returns as soon as it is).</summary>
    public static void AssertSet(WsaEvent ev) => Assert.True(ev.Wait(Timeout), "The event was never set.");
}

/// <summary>Deterministic payloads, so a peer can check every byte it receives.</summary>
internal static class TeardownData
{
    public static byte[] Pattern(int count, int seed = 1)
    {
        var data = new byte[count];
        uint x = ((uint)seed * 2654435761u) | 1;
        for (int i = 0; i < count; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data[i] = (byte)x;
        }

        return data;
    }

    /// <summary>Reads from the peer until <paramref name="count"/> bytes arrived; fails when the stream stops short.</summary>
    public static byte[] ReadExactly(RemotePeer peer, int count)
    {
        var received = new byte[count];
        int at = 0;
        while (at < count)
        {
            int n = peer.Read(received.AsSpan(at, Math.Min(64 * 1024, count - at)));
            Assert.True(n > 0, $"The peer received {at} of {count} bytes, then nothing ({peer.State}).");
            at += n;
        }

        return received;
    }
}

/// <summary>Every per-socket call of the provider, for proving a handle is dead.</summary>
internal static class TeardownCalls
{
    /// <summary>Makes every per-socket call with <paramref name="handle"/> and gives their errors (close last).</summary>
    public static IEnumerable<WsaError> Errors(ProviderRuntime runtime, SocketHandle handle)
    {
        yield return runtime.Send(handle, "x"u8.ToArray()).Error;
        yield return runtime.Receive(handle, new byte[4]).Error;
        yield return runtime.Send(handle, "x"u8.ToArray(), new WsaOverlapped()).Error;
        yield return runtime.Receive(handle, new byte[4], new WsaOverlapped()).Error;
        yield return runtime.SetLinger(handle, true, 0).Error;
        yield return runtime.SetBlocking(handle, false).Error;
        yield return runtime.EventSelect(handle, new WsaEvent(), NetworkEvents.Read).Error;
        yield return runtime.EnumNetworkEvents(handle).Error;
        yield return runtime.DuplicateSocket(handle).Error;
        yield return runtime.GetSockName(handle).Error;
        yield return runtime.GetPeerName(handle).Error;
        yield return runtime.Shutdown(handle, SocketShutdown.Both).Error;
        yield return runtime.Accept(handle).Error;
        yield return runtime.GetOverlappedResult(handle, new WsaOverlapped(), wait: false).Error;
        yield return runtime.CloseSocket(handle).Error;
    }
}

/// <summary>
/// A logger that runs <paramref name="onEvent"/> on the logging thread whenever the event named
/// <paramref name="eventName"/> is logged: a way to hold a provider thread at a known point of its work.
/// </summary>
internal sealed class TeardownEventHookLogger(string eventName, Action onEvent) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name == eventName)
        {
            onEvent();
        }
    }

    public void Dispose()
    {
    }
}
