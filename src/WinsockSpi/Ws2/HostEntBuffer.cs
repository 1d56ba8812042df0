using System.Net;

namespace WinsockSpi.Ws2;

/// <summary>
/// The buffer an asynchronous host lookup fills (the <c>buf</c> of WSAAsyncGetHostByName and WSAAsyncGetHostByAddr): the
/// hostent, as an <see cref="IPHostEntry"/>, and the bytes it takes in the layout of a 64-bit Windows hostent (ASY-4).
/// </summary>
/// <remarks>
/// Filled once, when the request completes with success, before its message is posted; untouched when the request fails,
/// is cancelled, or the buffer length given was too small (WSAENOBUFS). Thread-safe to read after the message arrived.
/// </remarks>
public sealed class HostEntBuffer
{
    /// <summary>Gets the host entry (h_name, h_aliases, h_addr_list); <see langword="null"/> until a lookup fills it.</summary>
    public IPHostEntry? HostEntry { get; internal set; }

    /// <summary>Gets the bytes the host entry takes (the buffer length the message reports); 0 until filled.</summary>
    public int Length { get; internal set; }

    /// <summary>
    /// Gives the bytes <paramref name="entry"/> takes as a 64-bit Windows hostent: the 32-byte structure, the name and each
    /// alias with its terminating NUL, the alias and address pointer arrays with their NULL ends (8 bytes a pointer), and
    /// 4 bytes per IPv4 address.
    /// </summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The length in bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    public static int SizeOf(IPHostEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        const int Pointer = 8;
        int size = 32 + (entry.HostName?.Length ?? 0) + 1;
        var aliases = entry.Aliases ?? [];
        size += Pointer * (aliases.Length + 1);
        foreach (var alias in aliases)
        {
            size += alias.Length + 1;
        }

        var addresses = entry.AddressList ?? [];
        size += (Pointer + 4) * addresses.Length + Pointer;
        return size;
    }
}
