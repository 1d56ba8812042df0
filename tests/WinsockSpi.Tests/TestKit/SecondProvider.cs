using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using static WinsockSpi.Tests.TestKit.TestThreads;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// A second provider of the harness's process, started through the process's own table, with a connected socket.
/// </summary>
internal sealed class SecondProvider : IDisposable
{
    private readonly ProviderRuntime _first;

    public SecondProvider(ProviderHarness h)
    {
        _first = h.Runtime;
        Runtime = new ProviderRuntime(new ProviderOptions { Process = h.Process, TimeProvider = h.Time, ProviderId = Guid.NewGuid() });
        Assert.Equal(WsaError.Success, Runtime.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(h.Process)));
        Socket = Runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Runtime.Connect(Socket, h.Listener.EndPoint).ThrowIfFailed();
        Peer = h.Listener.Accept();
    }

    public ProviderRuntime Runtime { get; }

    public SocketHandle Socket { get; }

    public RemotePeer Peer { get; }

    /// <summary>
    /// Runs <paramref name="call"/> on a thread of its own, which publishes the object's operation, and holds that thread
    /// right after the publication, inside its provider's lock: a waiter is registered on the record (as a waiting
    /// WSPGetOverlappedResult registers), so the publication wakes waiters, which takes the record's monitor, held here.
    /// In that moment this provider starts a receive on the object, on a third thread, which reaches the first
    /// provider's lock to take the object over (<see cref="ProviderRuntime.UnbindSeam"/>) and waits there (parked, as
    /// <see cref="ProviderRuntime.LockWaiters"/> shows) while the first holds it. Then the first thread goes on, and the
    /// start ends after it.
    /// </summary>
    /// <returns>What <paramref name="call"/> returned.</returns>
    public T StartsTheObjectAsItIsPublished<T>(WsaOverlapped overlapped, Func<T> call)
    {
        var core = overlapped.Core!;
        bool reached = false;
        _first.UnbindSeam = () => Volatile.Write(ref reached, true);
        core.AddWaiter();
        try
        {
            Task<T> running;
            Task<SpiResult<int>> start;
            lock (core)
            {
                running = Start(call);
                SpinUntil(() => overlapped.Status == OperationStatus.Completed, "the operation to be published (its thread is then held in the wake)");
                start = Start(() => Runtime.Receive(Socket, new byte[1], overlapped));
                SpinUntil(() => (Volatile.Read(ref reached) && _first.LockWaiters > 0) || start.IsCompleted, "the second start to wait at the first provider's lock");
                Assert.False(start.IsCompleted, "the second provider started the object while the first held its lock");
                Assert.Equal(OperationStatus.Completed, overlapped.Status);
            }

            var result = Join(running, "the call held after its publication");
            Assert.Equal(WsaError.IOPending, Join(start, "the second provider's start").Error);
            return result;
        }
        finally
        {
            core.RemoveWaiter();
            _first.UnbindSeam = null;
        }
    }

    public void Dispose() => Runtime.Dispose();
}
