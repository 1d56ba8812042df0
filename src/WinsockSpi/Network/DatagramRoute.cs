using System.Net;
using System.Net.Sockets;

namespace WinsockSpi.Network;

/// <summary>
/// Where a datagram destination led when the network's datagram bindings were at one count: immutable, so a sender
/// reads it as one reference without a lock (<see cref="DatagramEndpoint.LastRoute"/>).
/// </summary>
/// <param name="To">A copy of the destination (the caller's <see cref="IPEndPoint"/> and <see cref="IPAddress"/> may change later).</param>
/// <param name="Target">The endpoint bound there, or <see langword="null"/> when nothing was (the message is dropped).</param>
/// <param name="Bindings">The network's count of binds and unbinds when it was looked up.</param>
internal sealed record DatagramRoute(IPEndPoint To, DatagramEndpoint? Target, long Bindings)
{
    /// <summary>Copies an endpoint and its address, so that a later change to either does not change the route.</summary>
    public static IPEndPoint Copy(IPEndPoint endPoint)
    {
        var address = endPoint.Address;
        var copy = address.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPAddress(address.GetAddressBytes(), address.ScopeId)
            : new IPAddress(address.GetAddressBytes());
        return new IPEndPoint(copy, endPoint.Port);
    }
}
