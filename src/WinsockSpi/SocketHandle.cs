using System.Globalization;

namespace WinsockSpi;

/// <summary>
/// A socket handle (SOCKET). Never 0 and never INVALID_SOCKET (SOC-1); a handle names one slot of one
/// provider's socket table at one generation, so a reused slot never answers to an old handle (CLN-10),
/// and a handle of one provider or process means nothing in another (PRC-3).
/// </summary>
/// <param name="Value">The handle value as the C API sees it.</param>
public readonly record struct SocketHandle(nuint Value)
{
    /// <summary>Gets INVALID_SOCKET.</summary>
    public static SocketHandle Invalid => new(Winsock.InvalidSocket);

    /// <summary>Gets whether the value is neither 0 nor INVALID_SOCKET (it may still not name a live socket).</summary>
    public bool IsValidValue => Value != 0 && Value != Winsock.InvalidSocket;

    /// <summary>Shows the value in hexadecimal.</summary>
    /// <returns>The text, for example <c>"0x1000000400004"</c>.</returns>
    public override string ToString() => "0x" + ((ulong)Value).ToString("X", CultureInfo.InvariantCulture);
}
