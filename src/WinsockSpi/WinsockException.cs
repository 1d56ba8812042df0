using System.Net.Sockets;

namespace WinsockSpi;

/// <summary>
/// A <see cref="SocketException"/> carrying a <see cref="WsaError"/>. Thrown only when the caller asks for
/// it (<see cref="SpiResult.ThrowIfFailed"/> and similar); simulated failures are otherwise returned as data.
/// </summary>
public sealed class WinsockException : SocketException
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    /// <param name="error">The Winsock error.</param>
    public WinsockException(WsaError error)
        : base((int)error) => Error = error;

    /// <summary>Creates the exception for <see cref="WsaError.SystemCallFailure"/>.</summary>
    public WinsockException()
        : this(WsaError.SystemCallFailure)
    {
    }

    /// <summary>Gets the Winsock error.</summary>
    public WsaError Error { get; }

    /// <inheritdoc/>
    public override string Message => $"{Error.ToSymbol()} ({(int)Error}): {base.Message}";
}
