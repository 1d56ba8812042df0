using WinsockSpi.Network;

namespace WinsockSpi.Provider;

internal sealed partial class ProviderSocket
{
    /// <summary>
    /// The error of the last non-blocking connect that failed after it returned WSAEWOULDBLOCK (WSAECONNREFUSED), until
    /// the next connect: what select reports in the except set (SLT-1). <see cref="WsaError.Success"/> otherwise.
    /// </summary>
    public WsaError ConnectError;

    /// <summary>
    /// Whether a receive (or an accept) would complete without blocking: a connection waits in the backlog of a listening
    /// socket; data is queued; the peer closed gracefully or reset the connection; or a cancelled call broke the stream
    /// (the call then fails at once). Takes the connection's gate once (SLT-1). A datagram socket is readable while a
    /// message waits at its bound address and no receive is queued ahead to take it; select never takes one.
    /// </summary>
    public bool IsReadable_NeedsLock()
    {
        AssertLock();
        if (!IsStream)
        {
            // The count is exact here: messages are taken only under this lock, and one that arrives meanwhile signals the
            // socket, which re-evaluates the waiting selects (SLT-2).
            return Datagram is { Count: > 0 } && Receives.Count == 0;
        }

        switch (Phase)
        {
            case SocketPhase.Listening:
                return Backlog!.Count > 0;
            case SocketPhase.Reset or SocketPhase.Broken:
                return true;
            case SocketPhase.Connected when End is { } end:
                var state = end.Snapshot();
                return state.Available > 0 || state.EndOfStream || state.IsReset;
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether a send would complete without blocking: a connected stream whose send direction is open, with room in the
    /// connection's buffer and no send queued ahead (SLT-1). A connect that succeeded (blocking or not) leaves the socket
    /// connected, so this is also "the non-blocking connect succeeded". A bound datagram socket is writable unless a send
    /// would wait: sends wait in its queue, or the network holds datagram sends back
    /// (<see cref="SimulatedNetwork.HoldDatagrams"/>). An unbound one is always writable: it has no address the network
    /// could signal when a hold ends, so reporting it held could leave a waiting select asleep for ever; its first send
    /// binds it and is then held like any other. A datagram send never waits for a peer.
    /// </summary>
    public bool IsWritable_NeedsLock()
    {
        AssertLock();
        if (!IsStream)
        {
            // A bound socket found held asks to be signalled when the network lets sends go: that signal re-evaluates the
            // waiting selects, as the arrival of a message does.
            return Sends.Count == 0 && (Datagram is not { } endpoint || !Runtime.Network.TryHoldSender(endpoint));
        }

        if (Phase != SocketPhase.Connected || End is not { } end || (Shutdown & ShutdownState.Send) != 0 || Sends.Count > 0)
        {
            return false;
        }

        var state = end.Snapshot();
        return state.Room > 0 && !state.IsReset;
    }

    /// <summary>Whether the socket is in the except state: a non-blocking connect failed (SLT-1). Out-of-band data is not simulated.</summary>
    public bool IsExceptional_NeedsLock() => ConnectError != WsaError.Success;
}
