using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Sockets;

/// <summary>Inspection of a provider's socket table: which handles are live and what they are.</summary>
/// <remarks>Thread-safe; every member reads a consistent state.</remarks>
public interface ISocketTable
{
    /// <summary>Gets the number of live handles (duplicates count once each).</summary>
    int Count { get; }

    /// <summary>Gets the most live handles the table holds; one more fails with WSAEMFILE (SOC-2).</summary>
    int Capacity { get; }

    /// <summary>Gets whether <paramref name="handle"/> names a live socket of this provider.</summary>
    /// <param name="handle">The handle.</param>
    /// <returns>Whether it is live.</returns>
    bool Contains(SocketHandle handle);

    /// <summary>Describes a live handle.</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="info">Its description.</param>
    /// <returns>Whether the handle is live.</returns>
    bool TryGetInfo(SocketHandle handle, [MaybeNullWhen(false)] out SocketInfo info);

    /// <summary>Describes every live handle.</summary>
    /// <returns>The handles, in slot order.</returns>
    IReadOnlyList<SocketInfo> Snapshot();
}
