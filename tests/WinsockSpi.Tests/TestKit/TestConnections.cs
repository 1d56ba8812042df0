using System.Net;
using System.Net.Sockets;
using WinsockSpi.Network;

namespace WinsockSpi.Tests.TestKit;

/// <summary>Connected sockets for tests that build their own provider (or layer) instead of a <see cref="ProviderHarness"/>.</summary>
internal static class TestConnections
{
    /// <summary>Opens a stream socket through <paramref name="provider"/> and connects it to a new peer listener.</summary>
    /// <param name="provider">A started provider, a layered provider, or any proc table's owner.</param>
    /// <param name="network">The network the provider's process is on.</param>
    /// <returns>The connected socket and the peer at its far end.</returns>
    public static (SocketHandle Socket, RemotePeer Peer) Connect(IWspProvider provider, SimulatedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(network);
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var socket = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        provider.Connect(socket, listener.EndPoint).ThrowIfFailed();
        return (socket, listener.Accept());
    }
}
