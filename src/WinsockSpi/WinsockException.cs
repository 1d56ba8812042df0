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

    /// <summary>Gets the Winsock error code with its Windows value (ERR-1), such as 10054 for WSAECONNRESET, on every OS.</summary>
    /// <remarks>
    /// <see cref="SocketException"/> reports the platform's own error number here on Linux and macOS (104 for a reset);
    /// a simulated Winsock error keeps its Windows number. <see cref="System.ComponentModel.Win32Exception.NativeErrorCode"/>
    /// still follows the platform.
    /// </remarks>
    public override int ErrorCode => (int)Error;

    /// <inheritdoc/>
    public override string Message => $"{Error.ToSymbol()} ({(int)Error}): {base.Message}";
}
