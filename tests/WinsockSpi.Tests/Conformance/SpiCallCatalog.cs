using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Conformance;

/// <summary>
/// Every provider call that takes a socket handle, by name, so that rules about handles (STA-8, SOC-1, CLS-1, CLN-10)
/// can be checked against each call with one theory row per call.
/// </summary>
internal static class SpiCallCatalog
{
    /// <summary>The calls that take a socket handle, in the order of the SPI reference.</summary>
    public static readonly string[] HandleCalls =
    [
        "CloseSocket",
        "DuplicateSocket",
        "SetLinger",
        "SetBlocking",
        "Bind",
        "Listen",
        "Accept",
        "Connect",
        "Shutdown",
        "Send",
        "Receive",
        "GetOverlappedResult",
        "EventSelect",
        "EnumNetworkEvents",
        "GetSockName",
        "GetPeerName",
        "Select",
        "SendTo",
        "ReceiveFrom",
        "AsyncSelect",
    ];

    /// <summary>The calls that take no handle (besides Startup).</summary>
    public static readonly string[] HandleFreeCalls = ["Socket", "CancelBlockingCall", "Cleanup"];

    public static TheoryData<string> HandleCallData => new(HandleCalls);

    /// <summary>Makes the call named <paramref name="call"/> on <paramref name="handle"/> with harmless, well-formed arguments.</summary>
    /// <returns>The error the call reported (<see cref="WsaError.Success"/> when it succeeded).</returns>
    public static WsaError Invoke(ProviderRuntime runtime, string call, SocketHandle handle) => call switch
    {
        "Socket" => runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error,
        "CancelBlockingCall" => runtime.CancelBlockingCall().Error,
        "Cleanup" => runtime.Cleanup().Error,
        "CloseSocket" => runtime.CloseSocket(handle).Error,
        "DuplicateSocket" => runtime.DuplicateSocket(handle).Error,
        "SetLinger" => runtime.SetLinger(handle, enabled: true, seconds: 0).Error,
        "SetBlocking" => runtime.SetBlocking(handle, blocking: false).Error,
        "Bind" => runtime.Bind(handle, new IPEndPoint(IPAddress.Loopback, 0)).Error,
        "Listen" => runtime.Listen(handle, backlog: 5).Error,
        "Accept" => runtime.Accept(handle).Error,
        "Connect" => runtime.Connect(handle, new IPEndPoint(IPAddress.Loopback, 7)).Error,
        "Shutdown" => runtime.Shutdown(handle, SocketShutdown.Both).Error,
        "Send" => runtime.Send(handle, new byte[] { 1, 2, 3 }).Error,
        "Receive" => runtime.Receive(handle, new byte[16]).Error,
        "GetOverlappedResult" => runtime.GetOverlappedResult(handle, new WsaOverlapped(), wait: false).Error,
        "EventSelect" => runtime.EventSelect(handle, new WsaEvent(), NetworkEvents.Read).Error,
        "EnumNetworkEvents" => runtime.EnumNetworkEvents(handle).Error,
        "GetSockName" => runtime.GetSockName(handle).Error,
        "GetPeerName" => runtime.GetPeerName(handle).Error,
        "Select" => runtime.Select([handle], null, null, TimeSpan.Zero).Error,
        "SendTo" => runtime.SendTo(handle, new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Loopback, 7)).Error,
        "ReceiveFrom" => runtime.ReceiveFrom(handle, new byte[16], new SourceAddress()).Error,
        "AsyncSelect" => runtime.AsyncSelect(handle, new SimulatedWindow(runtime.Process), 0x400, NetworkEvents.Read).Error,
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, "Unknown provider call."),
    };
}
