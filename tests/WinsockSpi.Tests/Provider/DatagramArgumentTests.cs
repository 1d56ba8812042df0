using System.Net;
using System.Net.Sockets;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Provider;

/// <summary>
/// Bad input around datagrams gives what a real provider gives (docs/api.md records the sources): datagram calls on a
/// stream socket act as the stream calls, stream-only calls on a datagram socket fail.
/// </summary>
public class DatagramArgumentTests
{
    [Fact]
    public void ListenAndAccept_OnADatagramSocket_GiveOpNotSupp()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);

        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.Listen(s, 5).Error);
        Assert.Equal(WsaError.OperationNotSupported, h.Runtime.Accept(s).Error);
        Assert.Equal(10045, (int)h.Runtime.Accept(Datagrams.Socket(h)).Error);
    }

    [Fact]
    public void SendToAndReceiveFrom_OnAStreamSocket_IgnoreTheAddress_AndActAsSendAndReceive()
    {
        using var h = new ProviderHarness();
        var s = h.Connect(out var peer);
        var from = new SourceAddress();

        Assert.Equal(3, h.Runtime.SendTo(s, "abc"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, 9)).ThrowIfFailed());
        Assert.Equal("abc"u8.ToArray(), TestData.ReadExactly(peer, 3));
        peer.Write("xy"u8);
        Assert.Equal(2, h.Runtime.ReceiveFrom(s, new byte[8], from).ThrowIfFailed());
        Assert.Null(from.EndPoint);
        Assert.Equal(WsaError.NotConnected, h.Runtime.SendTo(h.NewSocket(), "a"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, 9)).Error);
    }

    [Fact]
    public void SendTo_WithAnAddressItCannotUse_FailsBeforeSendingAnything()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);

        Assert.Equal(WsaError.AddressNotAvailable, h.Runtime.SendTo(s, "a"u8.ToArray(), new IPEndPoint(IPAddress.Any, 9)).Error);
        Assert.Equal(WsaError.AddressFamilyNotSupported, h.Runtime.SendTo(s, "a"u8.ToArray(), new IPEndPoint(IPAddress.IPv6Loopback, 9)).Error);
        Assert.Equal(WsaError.Fault, h.Runtime.SendTo(s, "a"u8.ToArray(), new DnsEndPoint("localhost", 9)).Error);
        Assert.Equal(WsaError.InvalidArgument, h.Runtime.GetSockName(s).Error); // nothing was bound by a failed send
        Assert.Equal(0, h.Network.DatagramsDelivered + h.Network.DatagramsDropped);
    }

    [Fact]
    public void Connect_ToTheWildcardAddress_GivesAddrNotAvail()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Socket(h);

        Assert.Equal(WsaError.AddressNotAvailable, h.Runtime.Connect(s, new IPEndPoint(IPAddress.Any, 9)).Error);
        Assert.Equal(WsaError.AddressNotAvailable, h.Runtime.Connect(s, new IPEndPoint(IPAddress.Loopback, 0)).Error);
        Assert.Equal(WsaError.NotConnected, h.Runtime.GetPeerName(s).Error);
    }

    [Fact]
    public void Shutdown_OfADatagramSocket_StopsItsSendsAndReceives()
    {
        using var h = new ProviderHarness();
        using var peer = h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
        var s = Datagrams.Socket(h);
        Assert.Equal(WsaError.NotConnected, h.Runtime.Shutdown(s, SocketShutdown.Both).Error);
        Assert.True(h.Runtime.Connect(s, peer.LocalEndPoint).IsSuccess);

        Assert.True(h.Runtime.Shutdown(s, SocketShutdown.Both).IsSuccess);

        Assert.Equal(WsaError.Shutdown, h.Runtime.SendTo(s, "a"u8.ToArray(), destination: null).Error);
        Assert.Equal(WsaError.Shutdown, h.Runtime.ReceiveFrom(s, new byte[4], null).Error);
    }

    [Fact]
    public void Bind_ASecondTime_GivesInval()
    {
        using var h = new ProviderHarness();
        var s = Datagrams.Bound(h, out _);

        Assert.Equal(WsaError.InvalidArgument, h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).Error);
    }

    [Fact]
    public void DatagramPeer_RefusesMisuse_WithArgumentExceptions()
    {
        var network = new WinsockSpi.Network.SimulatedNetwork();
        using var peer = network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.Throws<ArgumentException>(() => network.BindDatagram(new DnsEndPoint("localhost", 1)));
        Assert.Throws<ArgumentException>(() => peer.SendTo(new byte[65_508], new IPEndPoint(IPAddress.Loopback, 1)));
        peer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => peer.SendTo("a"u8, new IPEndPoint(IPAddress.Loopback, 1)));
    }
}
