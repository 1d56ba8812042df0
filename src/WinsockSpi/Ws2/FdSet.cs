using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Ws2;

/// <summary>
/// The fd_set of winsock2.h: a set of SOCKET values for <see cref="Ws2Api.select"/>, filled and read with the macros of
/// <see cref="Ws2Constants"/> (<c>FD_ZERO</c>, <c>FD_SET</c>, <c>FD_CLR</c>, <c>FD_ISSET</c>), so C code ports line by line.
/// </summary>
/// <remarks>
/// <para>As in Windows, the set is an array with a count, not a bit mask: it holds up to its capacity (FD_SETSIZE, 64,
/// unless a larger one is given, as C code redefines FD_SETSIZE), FD_SET ignores a value already present and, as the C
/// macro does, a value beyond the capacity.</para>
/// <para>Not thread-safe: one thread fills it, passes it to select, and reads it afterwards.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1707", Justification = "The members keep the names of the C structure fd_set.")]
public sealed class FdSet
{
    private readonly List<SocketHandle> _sockets;

    /// <summary>Creates an empty set of FD_SETSIZE (64) entries.</summary>
    public FdSet()
        : this(Ws2Constants.FD_SETSIZE)
    {
    }

    /// <summary>Creates an empty set of <paramref name="capacity"/> entries (C code that defines FD_SETSIZE before winsock2.h).</summary>
    /// <param name="capacity">The most entries the set holds; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public FdSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _sockets = new List<SocketHandle>(capacity);
    }

    /// <summary>Gets the most entries the set holds (its FD_SETSIZE).</summary>
    public int Capacity { get; }

    /// <summary>Gets fd_count: the number of entries.</summary>
    public int fd_count => _sockets.Count;

    /// <summary>Gets fd_array[<paramref name="index"/>]: an entry.</summary>
    /// <param name="index">0 .. fd_count - 1.</param>
    /// <returns>The SOCKET value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the entries.</exception>
    public nuint this[int index] => _sockets[index].Value;

    /// <summary>Gets the entries, as handles, for the provider's WSPSelect (which removes those not ready).</summary>
    internal List<SocketHandle> Sockets => _sockets;

    /// <summary>Shows the entries.</summary>
    /// <returns>The text, for example <c>fd_set{3: 0x4, 0x8, 0xc}</c>.</returns>
    public override string ToString() => $"fd_set{{{fd_count}: {string.Join(", ", _sockets.Select(s => $"0x{s.Value:x}"))}}}";

    internal void Add(nuint s)
    {
        var handle = new SocketHandle(s);
        if (_sockets.Count < Capacity && !_sockets.Contains(handle))
        {
            _sockets.Add(handle);
        }
    }

    internal void Remove(nuint s) => _sockets.Remove(new SocketHandle(s));

    internal bool Contains(nuint s) => _sockets.Contains(new SocketHandle(s));

    internal void Clear() => _sockets.Clear();
}
