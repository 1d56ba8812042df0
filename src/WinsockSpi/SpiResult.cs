namespace WinsockSpi;

/// <summary>
/// The outcome of a provider call that returns no value: success, or the <see cref="WsaError"/> the
/// SPI function would have reported through its <c>lpErrno</c> argument.
/// </summary>
/// <remarks>Simulated Winsock failures are data, never exceptions; call <see cref="ThrowIfFailed"/> to opt into an exception.</remarks>
public readonly record struct SpiResult
{
    /// <summary>Creates a result carrying <paramref name="error"/>.</summary>
    /// <param name="error">The error, or <see cref="WsaError.Success"/>.</param>
    public SpiResult(WsaError error) => Error = error;

    /// <summary>The successful result.</summary>
    public static SpiResult Success => default;

    /// <summary>Gets the error code, <see cref="WsaError.Success"/> on success.</summary>
    public WsaError Error { get; }

    /// <summary>Gets whether the call succeeded.</summary>
    public bool IsSuccess => Error == WsaError.Success;

    /// <summary>Gets the C return value: 0 on success, SOCKET_ERROR (-1) otherwise.</summary>
    public int ReturnValue => IsSuccess ? 0 : Winsock.SocketError;

    /// <summary>Creates a failed result.</summary>
    /// <param name="error">The error; must not be <see cref="WsaError.Success"/>.</param>
    /// <returns>The result.</returns>
    public static SpiResult Fail(WsaError error)
    {
        if (error == WsaError.Success)
        {
            throw new ArgumentException("A failure needs an error code other than Success.", nameof(error));
        }

        return new SpiResult(error);
    }

    /// <summary>Throws a <see cref="WinsockException"/> when the call failed.</summary>
    /// <exception cref="WinsockException">The call failed.</exception>
    public void ThrowIfFailed()
    {
        if (!IsSuccess)
        {
            throw new WinsockException(Error);
        }
    }

    /// <summary>Converts an error code into a result.</summary>
    /// <param name="error">The error code.</param>
    public static implicit operator SpiResult(WsaError error) => new(error);

    /// <summary>Converts an error code into a result.</summary>
    /// <param name="error">The error code.</param>
    /// <returns>The result.</returns>
    public static SpiResult FromWsaError(WsaError error) => new(error);

    /// <summary>Shows the outcome with its Winsock symbol, for example <c>"SOCKET_ERROR (WSAENOTSOCK)"</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IsSuccess ? "0" : $"SOCKET_ERROR ({Error.ToSymbol()})";
}
