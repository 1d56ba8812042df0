namespace WinsockSpi.Sockets;

/// <summary>The SO_LINGER setting of a socket (CLS-4..7).</summary>
/// <param name="Enabled">l_onoff: whether close lingers; false is SO_DONTLINGER, the default.</param>
/// <param name="Seconds">l_linger: how long a blocking close waits for unsent data; 0 with <paramref name="Enabled"/> is a hard (abortive) close.</param>
public readonly record struct LingerState(bool Enabled, int Seconds)
{
    /// <summary>Gets SO_DONTLINGER: close returns at once and the data drains in the background (CLS-4).</summary>
    public static LingerState DontLinger => default;

    /// <summary>Gets linger {1,0}: a hard close that resets the connection (CLS-5).</summary>
    public static LingerState Abortive => new(true, 0);

    /// <summary>Shows the setting as <c>{l_onoff,l_linger}</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{{{(Enabled ? 1 : 0)},{Seconds}}}";
}
