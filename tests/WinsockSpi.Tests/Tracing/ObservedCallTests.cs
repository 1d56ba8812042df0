using System.Net;
using System.Net.Sockets;
using System.Reflection;
using WinsockSpi.Faults;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;
using WinsockSpi.Tracing;

namespace WinsockSpi.Tests.Tracing;

/// <summary>
/// Every service-provider entry of <see cref="ProviderRuntime"/> is observed: it has its <see cref="SpiCall"/>, a trace
/// records it with its socket and result, and a fault plan can fail it; with nobody observing it behaves the same.
/// </summary>
public sealed class ObservedCallTests
{
    private const int AddressArea = 32; // sizeof(SOCKADDR_IN) + 16
    private const int WmSocket = 0x0401;

    [Fact]
    public void EveryProviderEntry_HasItsSpiCall()
    {
        var entries = typeof(ProviderRuntime).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && (m.ReturnType == typeof(WsaError) || m.ReturnType == typeof(SpiResult)
                || (m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(SpiResult<>))))
            .Select(m => m.Name)
            .Distinct()
            .ToList();

        Assert.Equal(37, entries.Count);
        Assert.All(entries, name => Assert.True(Enum.TryParse<SpiCall>(name, out _), $"{name} has no SpiCall member"));
        Assert.Equal(entries.Order(StringComparer.Ordinal), Enum.GetNames<SpiCall>().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SelectDatagramsAsyncSelectAndOptions_AreRecordedWithTheirCallSocketAndResult()
    {
        using var h = new ProviderHarness();
        var recorder = h.Runtime.Recorder = new TraceRecorder();
        var s = h.Connect(out var peer);
        var d = Datagrams.Bound(h, out var address);
        using var datagramPeer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var window = new SimulatedWindow(h.Process);

        Assert.Equal(1, h.Runtime.Select(null, [s], null, TimeSpan.Zero).Value);
        Assert.Equal(3, h.Runtime.SendTo(d, "abc"u8.ToArray(), datagramPeer.LocalEndPoint).Value);
        Assert.True(datagramPeer.SendTo("wxyz"u8, address));
        Assert.Equal(4, h.Runtime.ReceiveFrom(d, new byte[16], new SourceAddress()).Value);
        Assert.Equal(5, h.Runtime.SendToBuffers(d, new WsaBuf[] { "ab"u8.ToArray(), "cde"u8.ToArray() }, datagramPeer.LocalEndPoint).Value);
        Assert.True(datagramPeer.SendTo("pqrstu"u8, address));
        Assert.Equal(6, h.Runtime.ReceiveFromBuffers(d, new WsaBuf[] { new byte[2], new byte[8] }, new SourceAddress()).Value);
        Assert.True(h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).IsSuccess);
        Assert.True(h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, 1000).IsSuccess);
        Assert.Equal(1000, h.Runtime.GetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer).Value);
        Assert.Equal(WsaError.ProtocolOption, h.Runtime.GetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.KeepAlive).Error);
        Assert.True(h.Runtime.GetLinger(s).IsSuccess);
        Assert.True(h.Runtime.SetCompletionNotificationModes(s, CompletionNotificationModes.SkipCompletionPortOnSuccess).IsSuccess);
        Assert.Equal(5, h.Runtime.SendBuffers(s, new WsaBuf[] { "ab"u8.ToArray(), "cde"u8.ToArray() }).Value);
        peer.Write("hello"u8);
        Assert.Equal(5, h.Runtime.ReceiveBuffers(s, new WsaBuf[] { new byte[2], new byte[8] }, SocketFlags.None).Value);

        var calls = recorder.Events.Where(e => e.Kind == TraceEventKind.Call).ToList();
        AssertCall(calls, "WSPSelect", null, WsaError.Success, 1);
        Assert.Equal(new long?[] { 3, 5 }, calls.Where(e => e.Name == "WSPSendTo" && e.Socket == d.ToString() && e.Error == WsaError.Success).Select(e => e.Value));
        Assert.Equal(new long?[] { 4, 6 }, calls.Where(e => e.Name == "WSPRecvFrom" && e.Socket == d.ToString() && e.Error == WsaError.Success).Select(e => e.Value));
        Assert.Contains(calls, e => e.Name == "WSPSendTo" && e.Socket == d.ToString() && e.Value == 5 && e.Detail == "5 bytes in 2 buffers to " + datagramPeer.LocalEndPoint);
        Assert.Contains(calls, e => e.Name == "WSPRecvFrom" && e.Socket == d.ToString() && e.Value == 6 && e.Detail == "10 bytes offered in 2 buffers");
        AssertCall(calls, "WSPAsyncSelect", s, WsaError.Success, null);
        Assert.Contains(calls, e => e.Name == "WSPSetSockOpt" && e.Socket == s.ToString() && e.Error == WsaError.Success && e.Value == 1000 && e.Detail == "ReceiveBuffer");
        Assert.Contains(calls, e => e.Name == "WSPGetSockOpt" && e.Socket == s.ToString() && e.Value == 1000 && e.Detail == "ReceiveBuffer");
        Assert.Contains(calls, e => e.Name == "WSPGetSockOpt" && e.Socket == s.ToString() && e.Error == WsaError.ProtocolOption);
        Assert.Contains(calls, e => e.Name == "WSPGetSockOpt" && e.Socket == s.ToString() && e.Detail!.StartsWith("SO_LINGER", StringComparison.Ordinal));
        AssertCall(calls, "SetFileCompletionNotificationModes", s, WsaError.Success, null);
        Assert.Contains(calls, e => e.Name == "WSPSend" && e.Socket == s.ToString() && e.Value == 5 && e.Detail == "5 bytes offered in 2 buffers");
        Assert.Contains(calls, e => e.Name == "WSPRecv" && e.Socket == s.ToString() && e.Value == 5 && e.Detail == "10 bytes offered in 2 buffers");

        // The select sets and the datagram's destination are described.
        Assert.Equal("0 read, 1 write, 0 error, timeout 0 ms", calls.Single(e => e.Name == "WSPSelect").Detail);
        Assert.Equal("3 bytes to " + datagramPeer.LocalEndPoint, calls.First(e => e.Name == "WSPSendTo").Detail);
    }

    [Fact]
    public void IoctlAndTheExtensionFunctions_AreRecorded_ThroughTheFunctionsIoctlHandsOut()
    {
        using var h = new ProviderHarness();
        var recorder = h.Runtime.Recorder = new TraceRecorder();
        var listener = h.ListenOnFreePort(5, out var endPoint);
        var accept = h.NewSocket();
        var acceptEx = h.ExtensionFunction<AcceptExFunction>(listener, ExtensionFunctions.WSAID_ACCEPTEX);
        var connectEx = h.ExtensionFunction<ConnectExFunction>(listener, ExtensionFunctions.WSAID_CONNECTEX);
        var disconnectEx = h.ExtensionFunction<DisconnectExFunction>(listener, ExtensionFunctions.WSAID_DISCONNECTEX);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Ioctl(listener, 0x12345678, null).Error);

        Assert.Equal(WsaError.IOPending, acceptEx(listener, accept, new byte[2 * AddressArea], 0, AddressArea, AddressArea, new WsaOverlapped()).Error);
        var client = h.NewSocket();
        Assert.True(h.Runtime.Bind(client, new IPEndPoint(IPAddress.Loopback, 0)).IsSuccess);
        Assert.Equal(2, connectEx(client, endPoint, "hi"u8.ToArray(), new WsaOverlapped()).Value);
        Assert.Equal(0, disconnectEx(client, new WsaOverlapped(), 0).Value);

        var calls = recorder.Events.Where(e => e.Kind == TraceEventKind.Call).ToList();
        Assert.Equal(
            ["SIO_GET_EXTENSION_FUNCTION_POINTER WSAID_ACCEPTEX", "SIO_GET_EXTENSION_FUNCTION_POINTER WSAID_CONNECTEX", "SIO_GET_EXTENSION_FUNCTION_POINTER WSAID_DISCONNECTEX", "code 0x12345678"],
            calls.Where(e => e.Name == "WSPIoctl").Select(e => e.Detail));
        Assert.Equal(WsaError.InvalidArgument, calls.Last(e => e.Name == "WSPIoctl").Error);
        var acceptCall = AssertCall(calls, "AcceptEx", listener, WsaError.IOPending, null);
        Assert.Equal($"overlapped, accept socket {accept}, 0 bytes of data asked", acceptCall.Detail);
        AssertCall(calls, "ConnectEx", client, WsaError.Success, 2);
        AssertCall(calls, "DisconnectEx", client, WsaError.Success, 0);
    }

    [Fact]
    public void WindowMessages_AreRecordedAsNotifications_AndDrawnAsArrowsToTheWindows()
    {
        using var h = new ProviderHarness();
        var recorder = h.Network.Recorder = new TraceRecorder(); // the network's recorder sees the peer too
        var s = h.Connect(out var peer);
        var window = new SimulatedWindow(h.Process);
        Assert.True(h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).IsSuccess);

        peer.Write("x"u8);

        var message = Assert.Single(recorder.Events, e => e.Kind == TraceEventKind.WindowMessage);
        var write = recorder.Events.Single(e => e.Kind == TraceEventKind.Peer && e.Name == "Write");
        Assert.True(message.Sequence > write.Sequence);
        Assert.Equal(("WindowMessage", s.ToString(), h.Process.Id, 1), (message.Name, message.Socket, message.Process, message.Provider));
        Assert.Null(message.Error); // FD_READ carries no error
        Assert.Equal($"Read to window 0x{window.Handle:X}, message {WmSocket}", message.Detail);
        Assert.True(window.PeekMessage(out var posted));
        Assert.Equal(s.Value, posted.WParam);

        string diagram = recorder.ToMermaid();
        Assert.Contains("    participant Win as Windows (message queues)\n", diagram, StringComparison.Ordinal);
        Assert.Contains($"    P1_1-)Win: WindowMessage {s} Read to window 0x{window.Handle:X}, message {WmSocket}\n", diagram, StringComparison.Ordinal);
    }

    [Fact]
    public void AWindowMessageWithAnError_CarriesItInTheTrace()
    {
        using var h = new ProviderHarness();
        var recorder = h.Runtime.Recorder = new TraceRecorder();
        var s = h.Connect(out var peer);
        var window = new SimulatedWindow(h.Process);
        Assert.True(h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Close).IsSuccess);

        peer.Reset();

        var message = Assert.Single(recorder.Events, e => e.Kind == TraceEventKind.WindowMessage);
        Assert.Equal(WsaError.ConnectionReset, message.Error);
        Assert.StartsWith("Close to window", message.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AFaultPlan_FailsTheNthSelect_AndNothingElse()
    {
        using var h = new ProviderHarness();
        var plan = h.Runtime.Faults = new FaultPlan();
        var fault = plan.FailCall(SpiCall.Select, 2, WsaError.NetworkDown);
        var recorder = h.Runtime.Recorder = new TraceRecorder();
        var s = h.Connect(out _);
        var write = new List<SocketHandle> { s };

        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);
        Assert.Equal(WsaError.NetworkDown, h.Runtime.Select(null, write, null, TimeSpan.Zero).Error);
        Assert.Equal([s], write); // a failed call changes nothing, not even its sets
        Assert.Equal(1, h.Runtime.Select(null, write, null, TimeSpan.Zero).Value);

        Assert.Equal(1, fault.FiredCount);
        Assert.Contains(recorder.Events, e => e.Kind == TraceEventKind.Fault && e.Name == "FailCall" && e.Error == WsaError.NetworkDown);
        Assert.Equal(
            [WsaError.Success, WsaError.NetworkDown, WsaError.Success],
            recorder.Events.Where(e => e.Kind == TraceEventKind.Call && e.Name == "WSPSelect").Select(e => e.Error!.Value));
    }

    [Fact]
    public void AFaultPlan_FailsASendTo_WhichSendsNothing()
    {
        using var h = new ProviderHarness();
        var fault = (h.Runtime.Faults = new FaultPlan()).FailCall(SpiCall.SendTo, 1, WsaError.HostUnreachable);
        var d = Datagrams.Socket(h);
        using var datagramPeer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.Equal(WsaError.HostUnreachable, h.Runtime.SendTo(d, "abc"u8.ToArray(), datagramPeer.LocalEndPoint).Error);
        Assert.Equal(0, datagramPeer.Available);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.GetSockName(d).Error); // not even the implicit bind happened
        Assert.Equal(3, h.Runtime.SendTo(d, "abc"u8.ToArray(), datagramPeer.LocalEndPoint).Value);
        Assert.Equal(1, datagramPeer.Available);
        Assert.Equal(1, fault.FiredCount);
    }

    [Fact]
    public void AFaultPlan_FailsAnAcceptEx_ThroughTheFunctionPointer_WhichStartsNothing()
    {
        using var h = new ProviderHarness();
        var fault = (h.Runtime.Faults = new FaultPlan()).FailCall(SpiCall.AcceptEx, 1, WsaError.NoBufferSpaceAvailable);
        var listener = h.ListenOnFreePort(5, out _);
        var accept = h.NewSocket();
        var acceptEx = h.ExtensionFunction<AcceptExFunction>(listener, ExtensionFunctions.WSAID_ACCEPTEX);
        var ov = new WsaOverlapped();

        Assert.Equal(WsaError.NoBufferSpaceAvailable, acceptEx(listener, accept, new byte[2 * AddressArea], 0, AddressArea, AddressArea, ov).Error);
        Assert.False(ov.IsPending);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        Assert.Equal(0, h.NotificationCount);
        Assert.Equal(WsaError.IOPending, acceptEx(listener, accept, new byte[2 * AddressArea], 0, AddressArea, AddressArea, ov).Error);
        Assert.Equal(1, h.Runtime.Operations.PendingCount);
        Assert.Equal(1, fault.FiredCount);
    }

    [Theory]
    [InlineData(SpiCall.AsyncSelect)]
    [InlineData(SpiCall.Ioctl)]
    [InlineData(SpiCall.SetSocketOption)]
    [InlineData(SpiCall.GetSocketOption)]
    [InlineData(SpiCall.GetLinger)]
    [InlineData(SpiCall.SetCompletionNotificationModes)]
    [InlineData(SpiCall.SendBuffers)]
    [InlineData(SpiCall.ReceiveBuffers)]
    [InlineData(SpiCall.ReceiveFrom)]
    [InlineData(SpiCall.SendToBuffers)]
    [InlineData(SpiCall.ReceiveFromBuffers)]
    [InlineData(SpiCall.ConnectEx)]
    [InlineData(SpiCall.DisconnectEx)]
    public void AFaultPlan_FailsTheFirstCallOfEachNewKind_WithItsChosenError(SpiCall call)
    {
        using var h = new ProviderHarness();
        var fault = (h.Runtime.Faults = new FaultPlan()).FailCall(call, 1, WsaError.NetworkReset);
        var s = h.Connect(out _);
        var d = Datagrams.Bound(h, out _);
        var window = new SimulatedWindow(h.Process);
        var fresh = h.NewSocket();
        h.Runtime.Bind(fresh, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        bool blocking = h.Runtime.Sockets.Snapshot().Single(i => i.Handle == s).IsBlocking;

        WsaError error = call switch
        {
            SpiCall.AsyncSelect => h.Runtime.AsyncSelect(s, window, WmSocket, NetworkEvents.Read).Error,
            SpiCall.Ioctl => h.Runtime.Ioctl(s, ExtensionFunctions.FIONBIO, 1).Error,
            SpiCall.SetSocketOption => h.Runtime.SetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.SendBuffer, 10).Error,
            SpiCall.GetSocketOption => h.Runtime.GetSocketOption(s, SocketOptionLevel.Socket, SocketOptionName.Type).Error,
            SpiCall.GetLinger => h.Runtime.GetLinger(s).Error,
            SpiCall.SetCompletionNotificationModes => h.Runtime.SetCompletionNotificationModes(s, CompletionNotificationModes.SkipSetEventOnHandle).Error,
            SpiCall.SendBuffers => h.Runtime.SendBuffers(s, new WsaBuf[] { new byte[3] }).Error,
            SpiCall.ReceiveBuffers => h.Runtime.ReceiveBuffers(s, new WsaBuf[] { new byte[3] }, SocketFlags.None, new WsaOverlapped()).Error,
            SpiCall.ReceiveFrom => h.Runtime.ReceiveFrom(d, new byte[3], null, new WsaOverlapped()).Error,
            SpiCall.SendToBuffers => h.Runtime.SendToBuffers(d, new WsaBuf[] { new byte[3] }, h.Listener.EndPoint).Error,
            SpiCall.ReceiveFromBuffers => h.Runtime.ReceiveFromBuffers(d, new WsaBuf[] { new byte[3] }, null, new WsaOverlapped()).Error,
            SpiCall.ConnectEx => h.Runtime.ConnectEx(fresh, h.Listener.EndPoint, default, new WsaOverlapped()).Error,
            _ => h.Runtime.DisconnectEx(s, new WsaOverlapped(), 0).Error,
        };

        Assert.Equal(WsaError.NetworkReset, error);
        Assert.Equal(1, fault.FiredCount);
        Assert.Equal(0, h.Runtime.Operations.PendingCount);
        var info = h.Runtime.Sockets.Snapshot().Single(i => i.Handle == s);
        Assert.Equal(blocking, info.IsBlocking); // neither AsyncSelect nor FIONBIO ran
        Assert.Equal(SocketState.Connected, info.State);
        Assert.Equal(0, window.MessageCount);
    }

    [Fact]
    public void WithNobodyObserving_TheNewEntriesGiveTheSameResultsAsObserved()
    {
        var observed = new SimulatedNetwork { Recorder = new TraceRecorder(), Faults = new FaultPlan() };
        var plain = new SimulatedNetwork();

        var withObservers = RunEntries(observed);
        var without = RunEntries(plain);

        Assert.Equal(withObservers, without);
        Assert.Equal(["= 3", "True", "WSAEMSGSIZE"], withObservers.GetRange(4, 3)); // SendToBuffers, a message, ReceiveFromBuffers (2 bytes of room)
        Assert.Null(plain.Recorder);
        Assert.Contains(observed.Recorder!.Events, e => e.Name == "WSPSelect");
        Assert.Equal(3 + 16 + 1, observed.Faults!.Steps); // startup, socket and bind; the 16 entries; cleanup
    }

    private static TraceEvent AssertCall(List<TraceEvent> calls, string name, SocketHandle? socket, WsaError error, long? value)
    {
        var call = Assert.Single(calls, e => e.Name == name);
        Assert.Equal(socket?.ToString(), call.Socket);
        Assert.Equal(error, call.Error);
        Assert.Equal(value, call.Value);
        return call;
    }

    /// <summary>Runs each newly observed entry once on a provider with no logger (its fast path when nobody observes), and gives the results.</summary>
    private static List<string> RunEntries(SimulatedNetwork network)
    {
        var process = new SimulatedProcess(network);
        try
        {
            using var runtime = new ProviderRuntime(new ProviderOptions { Process = process });
            Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(process)));
            using var peer = network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
            var d = runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
            runtime.Bind(d, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
            var address = (IPEndPoint)runtime.GetSockNameUnobserved(d);
            var window = new SimulatedWindow(process);
            var results = new List<string>
            {
                Describe(runtime.Select([d], [d], null, TimeSpan.Zero)),
                Describe(runtime.SendTo(d, "abc"u8.ToArray(), peer.LocalEndPoint)),
                peer.SendTo("wxyz"u8, address).ToString(),
                Describe(runtime.ReceiveFrom(d, new byte[2], null)),
                Describe(runtime.SendToBuffers(d, new WsaBuf[] { "de"u8.ToArray(), "f"u8.ToArray() }, peer.LocalEndPoint)),
                peer.SendTo("pqr"u8, address).ToString(),
                Describe(runtime.ReceiveFromBuffers(d, new WsaBuf[] { new byte[1], new byte[1] }, null)),
                Describe(runtime.AsyncSelect(d, window, WmSocket, NetworkEvents.Read)),
                Describe(runtime.Ioctl(d, ExtensionFunctions.FIONBIO, 0)),
                Describe(runtime.SetSocketOption(d, SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, 512)),
                Describe(runtime.GetSocketOption(d, SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer)),
                Describe(runtime.GetLinger(d)),
                Describe(runtime.SetCompletionNotificationModes(d, (CompletionNotificationModes)0x80)),
                Describe(runtime.SendBuffers(d, new WsaBuf[] { "a"u8.ToArray(), "b"u8.ToArray() })),
                Describe(runtime.ReceiveBuffers(d, new WsaBuf[] { new byte[4] }, SocketFlags.OutOfBand)),
                Describe(runtime.AcceptEx(d, d, new byte[2 * AddressArea], 0, AddressArea, AddressArea, new WsaOverlapped())),
                Describe(runtime.ConnectEx(d, peer.LocalEndPoint, default, new WsaOverlapped())),
                Describe(runtime.DisconnectEx(d, new WsaOverlapped(), 0)),
                peer.Available.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            Assert.True(runtime.Cleanup().IsSuccess);
            return results;
        }
        finally
        {
            process.Terminate();
        }
    }

    private static string Describe(SpiResult result) => result.Error.ToSymbol();

    private static string Describe<T>(SpiResult<T> result) => result.IsSuccess ? "= " + result.Value : result.Error.ToSymbol();
}

/// <summary>A name lookup for the entry tests that is not itself one of the entries they count.</summary>
file static class RuntimeExtensions
{
    public static EndPoint GetSockNameUnobserved(this ProviderRuntime runtime, SocketHandle socket)
        => runtime.Sockets.TryGetInfo(socket, out var info) ? info.LocalEndPoint! : throw new InvalidOperationException("no such socket");
}
