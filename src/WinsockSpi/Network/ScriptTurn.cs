namespace WinsockSpi.Network;

/// <summary>
/// Who runs a scripted peer's steps (<see cref="ScriptedPeer"/>, <see cref="ScriptedDatagramPeer"/>): one thread at a
/// time, and a wake-up that comes while they run (bytes or a datagram that the steps themselves caused, or that another
/// thread delivered) makes the running thread run them again before it returns, so nothing is missed and no step runs
/// twice. Both members are called under the owner's lock.
/// </summary>
internal struct ScriptTurn
{
    private bool _running;
    private bool _again;

    /// <summary>Takes the turn, or, when another thread has it, asks that thread to look again.</summary>
    /// <returns>Whether the caller runs the steps now.</returns>
    public bool TryTake()
    {
        if (_running)
        {
            _again = true;
            return false;
        }

        _running = true;
        return true;
    }

    /// <summary>Ends one pass of the steps: keeps the turn for another pass when a wake-up came meanwhile and the run still waits.</summary>
    /// <param name="waiting">Whether the run still waits for something (neither ended nor stalled).</param>
    /// <returns>Whether the caller runs the steps again.</returns>
    public bool Again(bool waiting)
    {
        if (_again && waiting)
        {
            _again = false;
            return true;
        }

        _running = false;
        _again = false;
        return false;
    }
}
