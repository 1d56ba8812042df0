using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Datagram sockets for tests: created, bound to loopback, and the address their messages carry as source.</summary>
internal static class Datagrams
{
    /// <summary>Binds a harness datagram peer to loopback on a free port, on the harness's network.</summary>
    /// <param name="h">The harness.</param>
    /// <returns>The peer (dispose it to release its address).</returns>
    public static DatagramPeer Peer(ProviderHarness h) => h.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));

    /// <summary>Creates an unbound UDP socket on the harness's provider.</summary>
    /// <param name="h">The harness.</param>
    /// <returns>The handle.</returns>
    public static SocketHandle Socket(ProviderHarness h) => h.Runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();

    /// <summary>Creates a UDP socket bound to loopback on a free port.</summary>
    /// <param name="h">The harness.</param>
    /// <param name="address">The bound address (send here to reach the socket).</param>
    /// <returns>The handle.</returns>
    public static SocketHandle Bound(ProviderHarness h, out IPEndPoint address)
    {
        var s = Socket(h);
        h.Runtime.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        address = (IPEndPoint)h.Runtime.GetSockName(s).ThrowIfFailed();
        return s;
    }

    /// <summary>Gives the source address a receiver sees for messages from <paramref name="s"/> (loopback when it is bound to the wildcard address).</summary>
    /// <param name="h">The harness.</param>
    /// <param name="s">A bound datagram socket.</param>
    /// <returns>The address.</returns>
    public static IPEndPoint SourceOf(ProviderHarness h, SocketHandle s)
    {
        var local = (IPEndPoint)h.Runtime.GetSockName(s).ThrowIfFailed();
        return local.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, local.Port) : local;
    }

    /// <summary>Makes the socket non-blocking and tries one receive.</summary>
    /// <param name="h">The harness.</param>
    /// <param name="s">The socket.</param>
    /// <returns>The receive's error (Success when a message was waiting).</returns>
    public static WsaError NonBlockingReceive(ProviderHarness h, SocketHandle s)
    {
        h.Runtime.SetBlocking(s, false).ThrowIfFailed();
        return h.Runtime.ReceiveFrom(s, new byte[64], null).Error;
    }
}
