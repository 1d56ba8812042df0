using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace WinsockSpi.Provider;

/// <summary>
/// The addresses AcceptEx writes after the received data, as SOCKADDR_IN / SOCKADDR_IN6 (family little-endian, port in
/// network order), and their reading back (GetAcceptExSockaddrs). Each area is at least 16 bytes longer than the address,
/// as the AcceptEx reference page requires.
/// </summary>
public static class AcceptExAddresses
{
    /// <summary>The extra bytes each address area needs beyond the address itself.</summary>
    public const int Reserve = 16;

    /// <summary>Gets the smallest address area for a family: the SOCKADDR size plus 16 (32 for IPv4, 44 for IPv6).</summary>
    /// <param name="family">The address family.</param>
    /// <returns>The length.</returns>
    public static int MinimumLength(AddressFamily family) => (family == AddressFamily.InterNetworkV6 ? 28 : 16) + Reserve;

    /// <summary>Reads the local and remote addresses from an AcceptEx output buffer (GetAcceptExSockaddrs).</summary>
    /// <param name="buffer">The output buffer of a completed AcceptEx.</param>
    /// <param name="receiveDataLength">The receive length given to AcceptEx.</param>
    /// <param name="localAddressLength">The local address length given to AcceptEx.</param>
    /// <param name="remoteAddressLength">The remote address length given to AcceptEx.</param>
    /// <param name="local">The local address.</param>
    /// <param name="remote">The remote address.</param>
    /// <returns>Whether both areas held an address.</returns>
    public static bool TryRead(ReadOnlySpan<byte> buffer, int receiveDataLength, int localAddressLength, int remoteAddressLength, out IPEndPoint? local, out IPEndPoint? remote)
    {
        local = remote = null;
        if (receiveDataLength < 0 || localAddressLength < 0 || remoteAddressLength < 0
            || (long)receiveDataLength + localAddressLength + remoteAddressLength > buffer.Length)
        {
            return false;
        }

        local = Decode(buffer.Slice(receiveDataLength, localAddressLength));
        remote = Decode(buffer.Slice(receiveDataLength + localAddressLength, remoteAddressLength));
        return local is not null && remote is not null;
    }

    /// <summary>Writes <paramref name="endPoint"/> as a SOCKADDR at the start of <paramref name="area"/>, which is long enough.</summary>
    internal static void Write(Span<byte> area, IPEndPoint endPoint)
    {
        area.Clear();
        bool v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16LittleEndian(area, (ushort)(v6 ? 23 : 2));
        BinaryPrimitives.WriteUInt16BigEndian(area[2..], (ushort)endPoint.Port);
        endPoint.Address.TryWriteBytes(area[(v6 ? 8 : 4)..], out _);
        if (v6)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(area[24..], (uint)endPoint.Address.ScopeId);
        }
    }

    private static IPEndPoint? Decode(ReadOnlySpan<byte> area)
    {
        if (area.Length < 16)
        {
            return null;
        }

        int port = BinaryPrimitives.ReadUInt16BigEndian(area[2..]);
        switch (BinaryPrimitives.ReadUInt16LittleEndian(area))
        {
            case 2:
                return new IPEndPoint(new IPAddress(area.Slice(4, 4)), port);
            case 23 when area.Length >= 28:
                return new IPEndPoint(new IPAddress(area.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(area[24..])), port);
            default:
                return null;
        }
    }
}
