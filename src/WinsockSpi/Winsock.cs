namespace WinsockSpi;

/// <summary>The sentinel values of the Winsock C API (SEMANTICS.md ERR-1, ERR-3).</summary>
public static class Winsock
{
    /// <summary>SOCKET_ERROR (-1): the return value of a failed call whose error is read separately.</summary>
    public const int SocketError = -1;

    /// <summary>INVALID_SOCKET (~0): the return value of a failed socket-creating call.</summary>
    public static readonly nuint InvalidSocket = nuint.MaxValue;

    /// <summary>WSADESCRIPTION_LEN: the most characters a provider description may carry (STA-3).</summary>
    public const int DescriptionMaxLength = 255;

    /// <summary>MAKEWORD(major, minor): the low byte is the major version, the high byte the minor (ERR-3).</summary>
    /// <param name="major">The major version (low byte).</param>
    /// <param name="minor">The minor version (high byte).</param>
    /// <returns>The version word.</returns>
    public static ushort MakeWord(byte major, byte minor) => (ushort)(major | (minor << 8));
}
