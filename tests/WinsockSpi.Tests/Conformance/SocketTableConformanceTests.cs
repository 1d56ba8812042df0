using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS.md section 5, Sockets and close: handles and the table (SOC-1, SOC-2) and the release on close (CLS-1).</summary>
public class SocketTableConformanceTests
{
    /// <summary>Kinds of handle that are not a live socket of the provider they are given to.</summary>
    public static readonly string[] ForeignHandleKinds =
    [
        "Zero",
        "InvalidSocket",
        "OtherProviderSameProcess",
        "OtherProcess",
        "Misaligned",
        "NeverIssuedSlot",
    ];

    public static TheoryData<string> HandleCalls => SpiCallCatalog.HandleCallData;

    public static TheoryData<string, string> CallsWithForeignHandles
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string call in SpiCallCatalog.HandleCalls)
            {
                foreach (string kind in ForeignHandleKinds)
                {
                    data.Add(call, kind);
                }
            }

            return data;
        }
    }

    [Fact]
    [Trait("Rule", "SOC-1")]
    public void SOC1_CreatedHandles_AreNeverZeroNorInvalidSocket()
    {
        using var runtime = Started(new ProviderOptions());
        var seen = new HashSet<SocketHandle>();

        for (int round = 0; round < 20; round++)
        {
            var batch = Enumerable.Range(0, 50)
                .Select(_ => runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed())
                .ToArray();
            var dup = runtime.DuplicateSocket(batch[0]).ThrowIfFailed();

            foreach (var h in batch.Append(dup))
            {
                Assert.True(h.IsValidValue, $"Handle {h} is 0 or INVALID_SOCKET.");
                Assert.NotEqual((nuint)0, h.Value);
                Assert.NotEqual(Winsock.InvalidSocket, h.Value);
                Assert.True(seen.Add(h), $"Handle {h} was handed out twice.");
            }

            foreach (var h in batch.Append(dup))
            {
                Assert.True(runtime.CloseSocket(h).IsSuccess);
            }
        }
    }

    [Fact]
    [Trait("Rule", "SOC-1")]
    public void SOC1_HandlesOfDifferentProviders_NeverCoincide()
    {
        var process = new SimulatedProcess();
        using var a = Started(new ProviderOptions { Process = process });
        using var b = Started(new ProviderOptions { Process = process });

        var fromA = Enumerable.Range(0, 20).Select(_ => a.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed()).ToList();
        var fromB = Enumerable.Range(0, 20).Select(_ => b.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed()).ToList();

        Assert.Empty(fromA.Intersect(fromB));
        Assert.All(fromA, h => Assert.False(b.Sockets.Contains(h)));
        Assert.All(fromB, h => Assert.False(a.Sockets.Contains(h)));
    }

    [Theory]
    [Trait("Rule", "SOC-1")]
    [MemberData(nameof(CallsWithForeignHandles))]
    public void SOC1_HandleThatIsNotALiveSocketOfThisProvider_GivesNotSock(string call, string kind)
    {
        var process = new SimulatedProcess();
        using var runtime = Started(new ProviderOptions { Process = process });
        using var sameProcess = Started(new ProviderOptions { Process = process });
        using var otherProcess = Started(new ProviderOptions { Network = process.Network });
        var live = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var inSameProcess = sameProcess.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var inOtherProcess = otherProcess.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var handle = kind switch
        {
            "Zero" => new SocketHandle(0),
            "InvalidSocket" => SocketHandle.Invalid,
            "OtherProviderSameProcess" => inSameProcess,
            "OtherProcess" => inOtherProcess,
            "Misaligned" => new SocketHandle(live.Value + 1),
            "NeverIssuedSlot" => new SocketHandle(live.Value + (10u << 2)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var error = SpiCallCatalog.Invoke(runtime, call, handle);

        Assert.Equal(WsaError.NotSocket, error);
        Assert.Equal(1, runtime.Sockets.Count);
        Assert.True(runtime.Sockets.Contains(live));
        Assert.True(sameProcess.Sockets.Contains(inSameProcess));
        Assert.True(otherProcess.Sockets.Contains(inOtherProcess));
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SOC-2")]
    public void SOC2_BeyondMaxSockets_CreationFailsWithEMFile_AndAfterACloseOneMoreWorks()
    {
        using var runtime = Started(new ProviderOptions { MaxSockets = 3 });
        var handles = Enumerable.Range(0, 3)
            .Select(_ => runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed())
            .ToArray();
        Assert.Equal(3, runtime.Sockets.Capacity);

        var fourth = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        Assert.Equal(WsaError.TooManyOpenSockets, fourth.Error);
        Assert.Equal(3, runtime.Sockets.Count);
        runtime.ValidateInvariants();

        Assert.True(runtime.CloseSocket(handles[1]).IsSuccess);
        var replacement = runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Assert.True(replacement.IsSuccess);
        Assert.Equal(3, runtime.Sockets.Count);
        Assert.Equal(WsaError.TooManyOpenSockets, runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
    }

    [Fact]
    [Trait("Rule", "SOC-2")]
    public void SOC2_DuplicateHandles_CountAgainstTheCapacity()
    {
        using var runtime = Started(new ProviderOptions { MaxSockets = 3 });
        var a = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var dup = runtime.DuplicateSocket(a).ThrowIfFailed();

        Assert.Equal(WsaError.TooManyOpenSockets, runtime.DuplicateSocket(a).Error);
        Assert.Equal(WsaError.TooManyOpenSockets, runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
        Assert.True(runtime.Sockets.TryGetInfo(a, out var info));
        Assert.Equal(2, info.HandleCount);

        Assert.True(runtime.CloseSocket(dup).IsSuccess);
        Assert.True(runtime.DuplicateSocket(a).IsSuccess);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "SOC-2")]
    public void SOC2_AcceptIntoAFullTable_FailsWithEMFile()
    {
        var network = new SimulatedNetwork();
        using var server = Started(new ProviderOptions { Network = network, MaxSockets = 2 });
        using var client = Started(new ProviderOptions { Network = network });
        var listening = server.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        server.Bind(listening, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        server.Listen(listening, backlog: 5).ThrowIfFailed();
        var endPoint = server.GetSockName(listening).ThrowIfFailed();
        var c1 = client.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var c2 = client.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        client.Connect(c1, endPoint).ThrowIfFailed();
        client.Connect(c2, endPoint).ThrowIfFailed();
        Assert.True(server.Accept(listening).IsSuccess);

        var third = server.Accept(listening);

        Assert.Equal(WsaError.TooManyOpenSockets, third.Error);
        Assert.Equal(2, server.Sockets.Count);
        server.ValidateInvariants();
    }

    [Theory]
    [Trait("Rule", "CLS-1")]
    [MemberData(nameof(HandleCalls))]
    public void CLS1_ClosedHandle_GivesNotSockOnEveryLaterCall(string call)
    {
        using var runtime = Started(new ProviderOptions());
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var other = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(runtime.CloseSocket(s).IsSuccess);

        var error = SpiCallCatalog.Invoke(runtime, call, s);

        Assert.Equal(WsaError.NotSocket, error);
        Assert.Equal(1, runtime.Sockets.Count);
        Assert.True(runtime.Sockets.Contains(other));
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_SecondClose_GivesNotSock()
    {
        using var runtime = Started(new ProviderOptions());
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        var first = runtime.CloseSocket(s);
        var second = runtime.CloseSocket(s);

        Assert.Equal(0, first.ReturnValue);
        Assert.Equal(Winsock.SocketError, second.ReturnValue);
        Assert.Equal(WsaError.NotSocket, second.Error);
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_Close_ReleasesTheHandleAtOnce_EvenWhileDataIsStillDraining()
    {
        var network = new SimulatedNetwork();
        using var runtime = Started(new ProviderOptions { Network = network });
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();
        Assert.Equal(5, runtime.Send(s, "hello"u8.ToArray()).Value);

        Assert.True(runtime.CloseSocket(s).IsSuccess);

        Assert.False(runtime.Sockets.Contains(s));
        Assert.Equal(0, runtime.Sockets.Count);
        Assert.Equal(WsaError.NotSocket, TestThreads.RunBounded(() => runtime.Send(s, "more"u8.ToArray()), "a blocking send that should give NotSocket at once").Error);
        Assert.Equal("hello"u8.ToArray(), peer.ReadAvailable());
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_CloseWithAPendingOperation_ReleasesTheHandleAtOnce()
    {
        var network = new SimulatedNetwork();
        using var runtime = Started(new ProviderOptions { Network = network });
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        var ov = new WsaOverlapped();
        Assert.Equal(WsaError.IOPending, runtime.Receive(s, new byte[8], ov).Error);

        Assert.True(runtime.CloseSocket(s).IsSuccess);

        Assert.False(runtime.Sockets.Contains(s));
        Assert.Equal(WsaError.NotSocket, runtime.GetOverlappedResult(s, ov, wait: false).Error);
        Assert.Equal(WsaError.NotSocket, runtime.Receive(s, new byte[8], new WsaOverlapped()).Error);
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_ClosingOneDuplicate_ReleasesOnlyThatHandle()
    {
        using var runtime = Started(new ProviderOptions());
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        var dup = runtime.DuplicateSocket(s).ThrowIfFailed();

        Assert.True(runtime.CloseSocket(s).IsSuccess);

        Assert.Equal(WsaError.NotSocket, runtime.SetBlocking(s, blocking: false).Error);
        Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(s).Error);
        Assert.True(runtime.SetBlocking(dup, blocking: false).IsSuccess);
        Assert.True(runtime.Sockets.TryGetInfo(dup, out var info));
        Assert.Equal(1, info.HandleCount);
        Assert.True(runtime.CloseSocket(dup).IsSuccess);
        Assert.Equal(WsaError.NotSocket, runtime.CloseSocket(dup).Error);
        Assert.Equal(0, runtime.Sockets.Count);
    }

    [Fact]
    [Trait("Rule", "CLS-1")]
    public void CLS1_ClosedHandle_IsNeverReissuedForANewSocket()
    {
        using var runtime = Started(new ProviderOptions { MaxSockets = 1 });
        var closed = new HashSet<SocketHandle>();

        for (int i = 0; i < 200; i++)
        {
            var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
            Assert.DoesNotContain(s, closed);
            foreach (var old in closed.Take(5))
            {
                Assert.Equal(WsaError.NotSocket, runtime.SetLinger(old, enabled: false, seconds: 0).Error);
            }

            Assert.True(runtime.CloseSocket(s).IsSuccess);
            closed.Add(s);
        }
    }

    private static ProviderRuntime Started(ProviderOptions options)
    {
        var runtime = new ProviderRuntime(options);
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        return runtime;
    }
}
