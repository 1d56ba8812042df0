using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.Layering;

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
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var client = new CapturingUpcalls(runtime.Process);
        runtime.Startup(WinsockVersion.V2_2, out _, client);
        var (s, peer) = LayerTestKit.Connect(runtime, network);
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

        Assert.True(port.TryDequeue(out var packet, TimeSpan.FromSeconds(10)));
        Assert.Equal(expectedPortStatus, packet.Status);
        Assert.Equal(expectedError, ov.Error);
        Assert.Equal(expectedError, client.Last.Error);
        Assert.Equal(expectedPortStatus, client.Last.PortStatus);
        Assert.Equal(ov.BytesTransferred, packet.BytesTransferred);
    }

    private sealed class CapturingUpcalls(WinsockSpi.Processes.SimulatedProcess process) : ProcessUpcalls(process)
    {
        public OverlappedCompletion Last { get; private set; }

        public override WsaError CompleteOverlappedRequest(in OverlappedCompletion completion)
        {
            Last = completion;
            return base.CompleteOverlappedRequest(in completion);
        }
    }
}
