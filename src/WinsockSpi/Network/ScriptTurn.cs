namespace WinsockSpi.Network;

/// <summary>
/// Who runs a scripted peer's steps (<see cref="ScriptedPeer"/>, <see cref="ScriptedDatagramPeer"/>): one thread at a
/// time, and a wake-up that comes while they run (bytes or a datagram that the steps themselves caused, or that another
/// thread delivered) makes the running thread run them again before it returns, so nothing is missed and no step runs
/// twice.
/// </summary>
/// <param name="sync">The owner's lock: <paramref name="mayStart"/> and <paramref name="waiting"/> are read under it, the steps run outside it.</param>
/// <param name="mayStart">Whether a wake-up may start a pass now (the run waits for something, and the peer is usable).</param>
/// <param name="waiting">Whether the run still waits for something after a pass (neither ended nor stalled).</param>
/// <param name="runSteps">Runs steps until one must wait or the run ends.</param>
internal sealed class ScriptTurn(object sync, Func<bool> mayStart, Func<bool> waiting, Action runSteps)
{
    private bool _running;
    private bool _again;

    /// <summary>
    /// A wake-up: runs the steps on this thread, or, when another thread runs them, has that thread run them again
    /// before it returns.
    /// </summary>
    public void Advance()
    {
        lock (sync)
        {
            if (!mayStart())
            {
                return;
            }

            if (_running)
            {
                _again = true;
                return; // the thread that runs the steps looks again before it returns
            }

            _running = true;
        }

        while (true)
        {
            runSteps();
            lock (sync)
            {
                if (!_again || !waiting())
                {
                    _running = false;
                    _again = false;
                    return;
                }

                _again = false;
            }
        }
    }
}
