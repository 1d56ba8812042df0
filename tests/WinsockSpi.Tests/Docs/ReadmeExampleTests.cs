using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Docs;

/// <summary>The README's ten-line example, kept honest: the same calls, and the output its comments promise.</summary>
public class ReadmeExampleTests
{
    [Fact]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "CLN-6")]
    public void ReadmeExample_PrintsWhatTheReadmeSays()
    {
        var network = new SimulatedNetwork();
        using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 7000));
        using var provider = new ProviderRuntime(new ProviderOptions { Network = network });

        provider.Startup(WinsockVersion.V2_2, out _);
        var s = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        provider.Connect(s, listener.EndPoint).ThrowIfFailed();
        using var done = new WsaEvent();
        var pending = new WsaOverlapped(done);
        provider.Receive(s, new byte[512], pending);
        provider.Cleanup();

        Assert.Equal("WSA_OPERATION_ABORTED event set: False", $"{pending.Error.ToSymbol()} event set: {done.IsSet}");
        Assert.Equal("WSAECONNRESET", listener.Accept().LastError.ToSymbol());

        var readme = Repository.ReadText("README.md");
        Assert.Contains("// WSA_OPERATION_ABORTED event set: False", readme, StringComparison.Ordinal);
        Assert.Contains("using var done = new WsaEvent();", readme, StringComparison.Ordinal);
        Assert.Contains("listener.Accept().LastError.ToSymbol());            // WSAECONNRESET", readme, StringComparison.Ordinal);
    }

}
