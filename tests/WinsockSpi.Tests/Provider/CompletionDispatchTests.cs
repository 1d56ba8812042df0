using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Provider;

/// <summary>What the provider hands to WPUCompleteOverlappedRequest and to the completion port: the operation's outcome.</summary>
public class CompletionDispatchTests
{
    [Theory]
    [InlineData("data", WsaError.Success, WsaError.Success)]
    [InlineData("reset", WsaError.ConnectionReset, WsaError.NetNameDeleted)]
    [InlineData("close", WsaError.OperationAborted, WsaError.OperationAborted)]
    [Trait("Rule", "OVL-4")]
    [Trait("Rule", "OVL-8")]
    [Trait("Rule", "CLS-2")]
    public void CompletionPortPacketAndUpcall_CarryTheOutcomeNotIOPending(string ending, WsaError expectedError, WsaError expectedPortStatus)
    {
        using var h = new ProviderHarness();
        var runtime = h.Runtime;
        var (s, peer) = h.Connect();
        var port = new CompletionPort();
        port.Associate(runtime, s, 42).ThrowIfFailed();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[8], ov).Error);

        switch (ending)
        {
            case "data":
                peer.Write("abc"u8);
                break;
            case "reset":
                peer.Reset();
                break;
            default:
                runtime.CloseSocket(s).ThrowIfFailed();
                break;
        }

        Assert.True(port.TryDequeue(out var packet, TestThreads.WaitLimit));
        var last = h.Upcalls.Completions()[^1];
        Assert.Equal(expectedPortStatus, packet.Status);
        Assert.Equal(expectedError, ov.Error);
        Assert.Equal(expectedError, last.Error);
        Assert.Equal(expectedPortStatus, last.PortStatus);
        Assert.Equal(ov.BytesTransferred, packet.BytesTransferred);
    }
}
