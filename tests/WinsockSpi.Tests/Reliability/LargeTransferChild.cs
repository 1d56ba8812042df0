using System.Diagnostics;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The body of <see cref="LargeTransferTests.SocketPair_LargeTransferThrough1KBBuffers_CompletesInAChildProcess"/>, run
/// only in the child process that test starts (it is skipped in a normal run, where a stack overflow would end the
/// whole test run).
/// </summary>
public sealed class LargeTransferChild
{
    /// <summary>The environment variable that carries the transfer size in MB to the child.</summary>
    public const string Switch = "WINSOCKSPI_CHILD_PAIR_MB";

    /// <summary>Gets whether this process is the child.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(Switch) is { Length: > 0 };

    [Fact(SkipUnless = nameof(IsChild), Skip = "runs only in the child process of SocketPair_LargeTransferThrough1KBBuffers_CompletesInAChildProcess")]
    public void SocketPair_LargeTransfer_Body()
    {
        int megabytes = int.Parse(Environment.GetEnvironmentVariable(Switch)!, System.Globalization.CultureInfo.InvariantCulture);
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var (a, b) = rig.SocketPair();
        int total = megabytes * 1024 * 1024, receives = total / 1024;
        var buffer = new byte[total];
        var ops = new WsaOverlapped[receives];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < receives; i++)
        {
            ops[i] = new WsaOverlapped();
            Assert.Equal(WsaError.IOPending, rig.Runtime.Receive(b, buffer.AsMemory(i * 1024, 1024), ops[i]).Error);
        }

        var send = new WsaOverlapped(new WsaEvent());
        var result = rig.Runtime.Send(a, StreamPattern.Make(total, 0, 17), send);
        Assert.True(result.IsSuccess || result.Error == WsaError.IOPending, result.Error.ToSymbol());
        Assert.Equal(OperationStatus.Completed, send.Status);
        Assert.Equal(total, send.BytesTransferred);
        Assert.All(ops, op => Assert.Equal(1024, op.BytesTransferred));
        Assert.Equal(-1, StreamPattern.FirstMismatch(buffer, 0, 17));
        Console.WriteLine($"[reliability] child: {total:N0} bytes between two sockets in {receives:N0} receives of 1 KB in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
