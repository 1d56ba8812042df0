using System.Net.Sockets;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Every per-socket call of the provider, for proving that a handle is dead.</summary>
internal static class SpiCalls
{
    /// <summary>Makes every per-socket call with <paramref name="handle"/> and gives their errors (close last).</summary>
    /// <param name="runtime">The provider.</param>
    /// <param name="handle">The handle to try.</param>
    /// <returns>One error per call, lazily: the calls run as the sequence is read.</returns>
    public static IEnumerable<WsaError> Errors(ProviderRuntime runtime, SocketHandle handle)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Iterate(runtime, handle);
    }

    private static IEnumerable<WsaError> Iterate(ProviderRuntime runtime, SocketHandle handle)
    {
        // A live handle would block these two, so they run bounded: a handle that is not dead fails, not hangs.
        yield return TestThreads.RunBounded(() => runtime.Send(handle, "x"u8.ToArray()), "a blocking send on a closed handle").Error;
        yield return TestThreads.RunBounded(() => runtime.Receive(handle, new byte[4]), "a blocking receive on a closed handle").Error;
        yield return runtime.Send(handle, "x"u8.ToArray(), new WsaOverlapped()).Error;
        yield return runtime.Receive(handle, new byte[4], new WsaOverlapped()).Error;
        yield return runtime.SendTo(handle, "x"u8.ToArray(), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 7)).Error;
        yield return TestThreads.RunBounded(() => runtime.ReceiveFrom(handle, new byte[4], null), "a blocking receive-from on a closed handle").Error;
        yield return runtime.ReceiveFrom(handle, new byte[4], null, new WsaOverlapped()).Error;
        yield return runtime.SetLinger(handle, true, 0).Error;
        yield return runtime.SetBlocking(handle, false).Error;
        yield return runtime.EventSelect(handle, new WsaEvent(), NetworkEvents.Read).Error;
        yield return runtime.EnumNetworkEvents(handle).Error;
        yield return runtime.AsyncSelect(handle, new SimulatedWindow(runtime.Process), 0x400, NetworkEvents.Read).Error;
        yield return runtime.DuplicateSocket(handle).Error;
        yield return runtime.GetSockName(handle).Error;
        yield return runtime.GetPeerName(handle).Error;
        yield return runtime.Shutdown(handle, SocketShutdown.Both).Error;
        yield return TestThreads.RunBounded(() => runtime.Accept(handle), "a blocking accept on a closed handle").Error;
        yield return runtime.GetOverlappedResult(handle, new WsaOverlapped(), wait: false).Error;
        yield return TestThreads.RunBounded(() => runtime.Select([handle], [handle], [handle], timeout: null), "a select waiting forever on a closed handle").Error;
        yield return runtime.CloseSocket(handle).Error;
    }
}
