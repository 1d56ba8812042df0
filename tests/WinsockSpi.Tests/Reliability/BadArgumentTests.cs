using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// Bad input, arguments: options that cannot work (refused by the constructor), out-of-range timeouts, out-of-range
/// socket options, empty and huge buffers, and disposed objects. Each gives its documented result, and a normal
/// operation works afterwards.
/// </summary>
public sealed class BadArgumentTests
{
    public static TheoryData<string> BadOptions => ["MaxSockets=0", "MaxSockets=2^21", "MaxProcesses=-1", "SendBufferSize=0", "SendBufferSize=-5", "BlockingHookInterval=0", "BlockingHookInterval=-1s", "BlockingHookInterval=60d", "Lowest>Highest"];

    [Theory]
    [MemberData(nameof(BadOptions))]
    [Trait("Suite", "BadInput")]
    public void ProviderOptions_ThatCannotWork_AreRefusedByTheConstructor(string option)
    {
        var network = new SimulatedNetwork();
        var options = new ProviderOptions { Network = network };
        switch (option)
        {
            case "MaxSockets=0": options.MaxSockets = 0; break;
            case "MaxSockets=2^21": options.MaxSockets = 1 << 21; break;
            case "MaxProcesses=-1": options.MaxProcesses = -1; break;
            case "SendBufferSize=0": options.SendBufferSize = 0; break;
            case "SendBufferSize=-5": options.SendBufferSize = -5; break;
            case "BlockingHookInterval=0": options.BlockingHookInterval = TimeSpan.Zero; break;
            case "BlockingHookInterval=-1s": options.BlockingHookInterval = TimeSpan.FromSeconds(-1); break;

            // No timer can be due that late (defect 3 of issue 9: it passed validation and broke the first blocking call).
            case "BlockingHookInterval=60d": options.BlockingHookInterval = TimeSpan.FromDays(60); break;
            default: options.LowestVersion = WinsockVersion.V2_2; options.HighestVersion = WinsockVersion.V2_0; break;
        }

        Assert.ThrowsAny<ArgumentException>(() => new ProviderRuntime(options));
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        BadHandleTests.AssertStillWorks(rig, s, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void Timeouts_BeyondTheTimerRange_AreAcceptedAlike_NegativeOnesRefusedAlike()
    {
        var far = TimeSpan.FromDays(30);
        var ready = new WsaEvent(initialState: true);
        var process = new SimulatedProcess();
        var port = new CompletionPort();
        Assert.Equal(WsaError.Success, process.QueueApc(WsaThreadId.Current, _ => { }, null));
        port.Post(new CompletionPacket(1, 0, new WsaOverlapped(), WsaError.Success));

        // One rule for every wait of the library (defect 10 of issue 9: WsaEvent.Wait threw above 24.8 days).
        Assert.Equal(1, process.AlertableWait(far));
        Assert.True(port.TryDequeue(out _, far));
        Assert.True(ready.Wait(far));

        var negative = TimeSpan.FromMilliseconds(-2);
        Assert.Throws<ArgumentOutOfRangeException>(() => process.AlertableWait(negative));
        Assert.Throws<ArgumentOutOfRangeException>(() => port.TryDequeue(out _, negative));
        Assert.Throws<ArgumentOutOfRangeException>(() => ready.Wait(negative));
        Assert.True(ready.Wait(Timeout.InfiniteTimeSpan));
        process.Terminate();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65_536)]
    [InlineData(int.MaxValue)]
    [Trait("Suite", "BadInput")]
    public void SetLinger_OutOfRange_GivesInvalidArgument_AndChangesNothing(int seconds)
    {
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        Assert.Equal(WsaError.InvalidArgument, rig.Runtime.SetLinger(s, true, seconds).Error);
        Assert.Equal(LingerState.DontLinger, rig.Runtime.Sockets.TryGetInfo(s, out var info) ? info.Linger : default);
        BadHandleTests.AssertStillWorks(rig, s, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void Ws2_OutOfRangeArguments_GiveTheirDocumentedErrors_AndTheLastError()
    {
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024, ws2: true);
        var api = rig.Ws2!.Api;
        Assert.Equal((int)WsaError.VersionNotSupported, api.WSAStartup(0x0000, out _));
        Assert.Equal(0, api.WSAStartup(0x0202, out _));
        Assert.Equal(INVALID_SOCKET, api.socket(0, 0, 0));
        Assert.Equal((int)WsaError.InvalidArgument, api.WSAGetLastError());
        var s = rig.Connect(out var peer);
        uint arg = 1;
        Assert.Equal(SOCKET_ERROR, api.ioctlsocket(s.Value, 0x1234, ref arg));
        Assert.Equal((int)WsaError.InvalidArgument, api.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, api.setsockopt(s.Value, 0x1234, SO_LINGER, LingerState.Abortive));
        Assert.Equal((int)WsaError.InvalidArgument, api.WSAGetLastError());
        Assert.Equal(SOCKET_ERROR, api.shutdown(s.Value, 7));
        Assert.Equal((int)WsaError.InvalidArgument, api.WSAGetLastError());
        int bytes = 0, flags = 1;
        Assert.Equal(SOCKET_ERROR, api.WSARecv(s.Value, new byte[4], ref bytes, ref flags, null, null));
        Assert.Equal((int)WsaError.OperationNotSupported, api.WSAGetLastError());
        BadHandleTests.AssertStillWorks(rig, s, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void EmptyBuffers_AnEmptySendCompletesAtOnce_AnEmptyReceiveWaitsForDataWithoutTakingIt()
    {
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        Assert.Equal(0, rig.Runtime.Send(s, ReadOnlyMemory<byte>.Empty).Value);
        var send = new WsaOverlapped(new WsaEvent());
        Assert.Equal(0, rig.Runtime.Send(s, ReadOnlyMemory<byte>.Empty, send).Value);
        Assert.Equal(1, send.Event!.SetCount);
        var receive = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, rig.Runtime.Receive(s, Memory<byte>.Empty, receive).Error);
        Assert.Equal(3, peer.Write("abc"u8));
        Assert.Equal(OperationStatus.Completed, receive.Status);
        Assert.Equal(0, receive.BytesTransferred);
        var buffer = new byte[8];
        Assert.Equal(3, rig.Runtime.Receive(s, buffer).Value);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        Assert.Equal(0, peer.Available);
        BadHandleTests.AssertStillWorks(rig, s, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void HugeBuffers_AreTakenAsFarAsTheConnectionGoes_AndNothingElseChanges()
    {
        using var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, rig.Runtime.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        var huge = StreamPattern.Make(32 * 1024 * 1024, 0, 21);
        Assert.True(rig.Runtime.SetBlocking(s, false).IsSuccess);
        Assert.Equal(1024, rig.Runtime.Send(s, huge).Value);
        Assert.Equal(1024, peer.ReadAvailable().Length);
        var send = new WsaOverlapped(new WsaEvent());
        Assert.Equal(WsaError.IOPending, rig.Runtime.Send(s, huge, send).Error);
        var chunk = new byte[64 * 1024];
        long read = 0;
        while (send.IsPending)
        {
            int n = peer.Read(chunk);
            Assert.Equal(-1, StreamPattern.FirstMismatch(chunk.AsSpan(0, n), read, 21));
            read += n;
        }

        read += peer.ReadAvailable().Length;
        Assert.Equal(huge.Length, read);
        Assert.Equal(huge.Length, send.BytesTransferred);
        var receive = new WsaOverlapped();
        var big = new byte[32 * 1024 * 1024];
        Assert.Equal(WsaError.IOPending, rig.Runtime.Receive(s, big, receive).Error);
        Assert.Equal(5, peer.Write("hello"u8));
        Assert.Equal(5, receive.BytesTransferred);
        Assert.True(rig.Runtime.SetBlocking(s, true).IsSuccess);
        BadHandleTests.AssertStillWorks(rig, s, peer);
    }

    [Fact]
    [Trait("Suite", "BadInput")]
    public void DisposedProvidersAndEndedProcesses_ThrowOnStartup_AnswerWinsockErrorsOnHandles_AndANewProcessWorks()
    {
        var rig = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024, layered: true);
        Assert.Equal(WsaError.Success, rig.Provider.Startup(WinsockVersion.V2_2, out _, rig.Upcalls));
        var s = rig.Connect(out var peer);
        rig.Layer!.Dispose();
        rig.Runtime.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rig.Layer.Startup(WinsockVersion.V2_2, out _));
        Assert.Throws<ObjectDisposedException>(() => rig.Runtime.Startup(WinsockVersion.V2_2, out _));
        Assert.Equal(WsaError.NotInitialized, rig.Runtime.Send(s, new byte[1]).Error);
        Assert.Equal(WsaError.NotInitialized, rig.Runtime.CloseSocket(s).Error);
        Assert.Equal(WsaError.NotInitialized, rig.Runtime.Cleanup().Error);
        Assert.Equal(WsaError.ConnectionReset, peer.LastError);
        rig.Process.Terminate();
        Assert.Throws<ObjectDisposedException>(() => new ProviderRuntime(new ProviderOptions { Process = rig.Process }));
        Assert.Throws<ObjectDisposedException>(() => new Ws2Api(rig.Process).WSAStartup(0x0202, out _));
        rig.Dispose();

        using var next = new ReliabilityRig(sendBufferSize: 1024, peerBufferSize: 1024);
        Assert.Equal(WsaError.Success, next.Runtime.Startup(WinsockVersion.V2_2, out _, next.Upcalls));
        var fresh = next.Connect(out var freshPeer);
        BadHandleTests.AssertStillWorks(next, fresh, freshPeer);
    }
}
