using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WinsockSpi.Network;

/// <summary>
/// Where a sender's last datagram destination led, while the network's datagram bindings were at one count. It keeps
/// the destination as values (family, address bytes, scope, port), not the caller's <see cref="IPEndPoint"/>, which the
/// caller may change later; nothing is allocated to remember or compare it.
/// </summary>
/// <remarks>
/// Owned by one <see cref="DatagramEndpoint"/> whose sends never run at once (a provider socket's, under its provider's
/// lock: <see cref="DatagramEndpoint.CachesRoute"/>), so it is a plain mutable field read and written by that sender only.
/// </remarks>
internal struct DatagramRoute
{
    private UInt128 _address;
    private long _scopeId;
    private int _port;
    private AddressFamily _family;
    private long _bindings;

    /// <summary>Gets the endpoint bound at the destination, or <see langword="null"/> when nothing was (the message is dropped).</summary>
    public DatagramEndpoint? Target { get; private set; }

    /// <summary>Whether this route is for <paramref name="to"/> and the bindings have not changed since it was set.</summary>
    /// <param name="to">The destination of a send.</param>
    /// <param name="bindings">The network's count of datagram binds and unbinds now.</param>
    public readonly bool Matches(IPEndPoint to, long bindings)
    {
        if (_bindings != bindings || _port != to.Port || _family != to.AddressFamily)
        {
            return false; // also an unset route: its bindings count is 0, which no network reaches after a bind
        }

        var address = to.Address;
        return KeyOf(address) == _address && (_family != AddressFamily.InterNetworkV6 || address.ScopeId == _scopeId);
    }

    /// <summary>Remembers that <paramref name="to"/> led to <paramref name="target"/> at <paramref name="bindings"/>.</summary>
    /// <param name="to">The destination.</param>
    /// <param name="target">The endpoint bound there, or <see langword="null"/>.</param>
    /// <param name="bindings">The network's count of datagram binds and unbinds when it was looked up.</param>
    public void Set(IPEndPoint to, DatagramEndpoint? target, long bindings)
    {
        _address = KeyOf(to.Address);
        _family = to.AddressFamily;
        _scopeId = _family == AddressFamily.InterNetworkV6 ? to.Address.ScopeId : 0;
        _port = to.Port;
        _bindings = bindings;
        Target = target;
    }

    private static UInt128 KeyOf(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
#pragma warning disable CS0618 // Obsolete because it cannot hold an IPv6 address; for IPv4 it is exact, and a field read.
            return (ulong)address.Address;
#pragma warning restore CS0618
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _); // an IPv6 address: always 16 bytes
        return MemoryMarshal.Read<UInt128>(bytes);
    }
}
