using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>Associates sockets with a <see cref="CompletionPort"/>, which itself knows no provider.</summary>
public static class CompletionPortExtensions
{
    /// <summary>
    /// Associates a socket of <paramref name="provider"/> with <paramref name="port"/> (CreateIoCompletionPort on a socket
    /// handle): <see cref="ProviderRuntime.AssociateCompletionPort"/>.
    /// </summary>
    /// <param name="port">The port.</param>
    /// <param name="provider">The provider that owns the socket.</param>
    /// <param name="socket">The socket.</param>
    /// <param name="completionKey">The key each packet of the socket carries.</param>
    /// <returns>Success, WSANOTINITIALISED, WSAENOTSOCK, or WSAEINVAL when the socket is already associated with a port.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="port"/> or <paramref name="provider"/> is <see langword="null"/>.</exception>
    public static SpiResult Associate(this CompletionPort port, ProviderRuntime provider, SocketHandle socket, nuint completionKey)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider.AssociateCompletionPort(socket, port, completionKey);
    }
}
