using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// A started provider on its own network with a harness listener, for data-path tests: <see cref="Connect"/> gives a
/// connected socket and the <see cref="RemotePeer"/> at its far end. Time is a <see cref="FakeTimeProvider"/> and the
/// upcall table is a <see cref="ProcessUpcalls"/> whose blocking hook the test may set.
/// </summary>
internal sealed class DataPathHarness : IDisposable
{
    /// <summary>The bound on every wait for another thread in these tests; generous, returned early as soon as the condition holds.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public DataPathHarness(int sendBufferSize = 64 * 1024, int peerSendBufferSize = 0, TimeSpan? blockingHookInterval = null, SimulatedNetwork? network = null)
    {
        Network = network ?? new SimulatedNetwork();
        Time = new FakeTimeProvider();
        Runtime = new ProviderRuntime(new ProviderOptions
        {
            Network = Network,
            SendBufferSize = sendBufferSize,
            TimeProvider = Time,
            BlockingHookInterval = blockingHookInterval ?? TimeSpan.FromMilliseconds(100),
        });
        Upcalls = new ProcessUpcalls(Runtime.Process);
        Assert.Equal(WsaError.Success, Runtime.Startup(WinsockVersion.V2_2, out _, Upcalls));
        Listener = Network.Listen(new IPEndPoint(IPAddress.Loopback, 0), peerSendBufferSize);
    }

    public SimulatedNetwork Network { get; }

    public FakeTimeProvider Time { get; }

    public ProviderRuntime Runtime { get; }

    /// <summary>Gets the upcall table given to startup; set <see cref="ProcessUpcalls.BlockingHook"/> on it.</summary>
    public ProcessUpcalls Upcalls { get; }

    public PeerListener Listener { get; }

    /// <summary>Creates an unconnected TCP socket.</summary>
    public SocketHandle NewSocket() => Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

    /// <summary>Creates a socket, connects it (blocking connect) to the listener, and accepts its far end.</summary>
    public (SocketHandle Socket, RemotePeer Peer) Connect()
    {
        var s = NewSocket();
        Runtime.Connect(s, Listener.EndPoint).ThrowIfFailed();
        return (s, Listener.Accept());
    }

    /// <summary>Checks the provider's bookkeeping, then unloads it.</summary>
    public void Dispose()
    {
        try
        {
            Runtime.ValidateInvariants();
        }
        finally
        {
            Runtime.Dispose();
            Listener.Dispose();
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, failing the test otherwise.</summary>
    public static void SpinUntil(Func<bool> condition, string what)
        => Assert.True(SpinWait.SpinUntil(condition, WaitLimit), $"Timed out waiting until {what}.");

    /// <summary>Waits (bounded) for a worker, failing the test when it does not finish, and returns its result.</summary>
    public static T Join<T>(Task<T> task)
    {
        Assert.True(task.Wait(WaitLimit), "The worker thread did not finish in time.");
        return task.Result;
    }

    /// <summary>Waits (bounded) for a worker, failing the test when it does not finish.</summary>
    public static void Join(Task task) => Assert.True(task.Wait(WaitLimit), "The worker thread did not finish in time.");

    /// <summary>Runs <paramref name="work"/> on a dedicated thread (not the test thread).</summary>
    public static Task<T> OnOtherThread<T>(Func<T> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="work"/> on a dedicated thread (not the test thread).</summary>
    public static Task OnOtherThread(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
