namespace WinsockSpi;

/// <summary>
/// The outcome of a provider call that returns a value (a handle, a byte count): the value on success,
/// otherwise the <see cref="WsaError"/> the SPI function would have reported.
/// </summary>
/// <typeparam name="T">The type of the value.</typeparam>
/// <remarks>
/// An overlapped call that pends is a failure with <see cref="WsaError.IOPending"/> (OVL-2): its value is
/// not meaningful until the operation completes.
/// </remarks>
public readonly record struct SpiResult<T>
{
    private readonly T _value;

    /// <summary>Creates a successful result.</summary>
    /// <param name="value">The value.</param>
    public SpiResult(T value)
    {
        _value = value;
        Error = WsaError.Success;
    }

    /// <summary>Creates a failed result.</summary>
    /// <param name="error">The error.</param>
    public SpiResult(WsaError error)
    {
        _value = default!;
        Error = error;
    }

    /// <summary>Gets the error code, <see cref="WsaError.Success"/> on success.</summary>
    public WsaError Error { get; }

    /// <summary>Gets whether the call succeeded.</summary>
    public bool IsSuccess => Error == WsaError.Success;

    /// <summary>Gets the value.</summary>
    /// <exception cref="InvalidOperationException">The call failed; read <see cref="Error"/> instead.</exception>
    public T Value => IsSuccess ? _value : throw new InvalidOperationException($"The call failed with {Error.ToSymbol()} and has no value.");

    /// <summary>Gets the value, or <paramref name="fallback"/> when the call failed.</summary>
    /// <param name="fallback">The value to give on failure.</param>
    /// <returns>The value or the fallback.</returns>
    public T GetValueOrDefault(T fallback) => IsSuccess ? _value : fallback;

    /// <summary>Returns the value, or throws a <see cref="WinsockException"/> when the call failed.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="WinsockException">The call failed.</exception>
    public T ThrowIfFailed() => IsSuccess ? _value : throw new WinsockException(Error);

    /// <summary>Drops the value, keeping the outcome.</summary>
    /// <returns>The result without its value.</returns>
    public SpiResult ToSpiResult() => new(Error);

    /// <summary>Converts a value into a successful result.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator SpiResult<T>(T value) => new(value);

    /// <summary>Converts an error code into a failed result.</summary>
    /// <param name="error">The error.</param>
    public static implicit operator SpiResult<T>(WsaError error) => new(error);

    /// <summary>Shows the value or the error symbol.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IsSuccess ? $"{_value}" : $"SOCKET_ERROR ({Error.ToSymbol()})";
}
