using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Layering;

/// <summary>Arrangements shared by the layering tests.</summary>
internal static class LayerTestKit
{
    /// <summary>Opens a stream socket through <paramref name="provider"/> and connects it to a new peer listener.</summary>
    public static (SocketHandle Socket, RemotePeer Peer) Connect(IWspProvider provider, SimulatedNetwork network)
    {
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var socket = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        provider.Connect(socket, listener.EndPoint).ThrowIfFailed();
        return (socket, listener.Accept());
    }
}
