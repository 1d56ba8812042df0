namespace WinsockSpi.Ws2;

public static partial class Ws2Constants
{
    /// <summary>FD_SETSIZE (64): the capacity of an <see cref="FdSet"/> made with no capacity, as winsock2.h defines it.</summary>
    public const int FD_SETSIZE = 64;

    /// <summary>FD_ZERO: empties the set.</summary>
    /// <param name="set">The set.</param>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is <see langword="null"/>.</exception>
    public static void FD_ZERO(FdSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Clear();
    }

    /// <summary>FD_SET: adds <paramref name="fd"/> unless present, or the set is full (ignored, as the C macro ignores it).</summary>
    /// <param name="fd">The SOCKET.</param>
    /// <param name="set">The set.</param>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is <see langword="null"/>.</exception>
    public static void FD_SET(nuint fd, FdSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Add(fd);
    }

    /// <summary>FD_CLR: removes <paramref name="fd"/> if present, keeping the order of the others.</summary>
    /// <param name="fd">The SOCKET.</param>
    /// <param name="set">The set.</param>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is <see langword="null"/>.</exception>
    public static void FD_CLR(nuint fd, FdSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Remove(fd);
    }

    /// <summary>FD_ISSET (__WSAFDIsSet): whether <paramref name="fd"/> is in the set; after select, whether it is ready.</summary>
    /// <param name="fd">The SOCKET.</param>
    /// <param name="set">The set.</param>
    /// <returns>Whether it is present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is <see langword="null"/>.</exception>
    public static bool FD_ISSET(nuint fd, FdSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Contains(fd);
    }
}
