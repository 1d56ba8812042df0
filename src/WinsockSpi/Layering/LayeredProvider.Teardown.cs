using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Layering;

// What the layer's final cleanup tears down itself when the lower provider stays started for other clients
// (CLN-4, CLN-5, CLN-6, CLN-10 seen through a layer, LSP-1).
public sealed partial class LayeredProvider
{
    // A Monitor, not a Lock: the final cleanup waits on it for the calls and upcalls still in progress. A leaf lock:
    // nothing is called while it is held. Lock order: _lock, then _trackLock.
    private readonly object _trackLock = new();

    // The overlapped objects of operations started through the layer on its own sockets and not yet notified, with the
    // period they belong to: their notifications are suppressed once that period has ended.
    private readonly Dictionary<WsaOverlapped, Epoch> _pending = new(ReferenceEqualityComparer.Instance);

    // The period since the layer's first startup; null while its count is 0. Written under _lock and _trackLock.
    private Epoch? _epoch;

    // The periods whose calls or upcalls are in progress on this thread, so that a cleanup from inside one (CLN-12)
    // does not wait for itself.
    [ThreadStatic]
    private static List<Epoch>? t_active;

    private void BeginEpoch_NeedsLock(IWspProvider lower, Guid lowerId)
    {
        lock (_trackLock)
        {
            Volatile.Write(ref _epoch, new Epoch(lower, lowerId));
        }
    }

    /// <summary>
    /// Ends the current period: from here on every call through the layer is refused (WSANOTINITIALISED) and every
    /// notification of an operation started in it is suppressed (CLN-4).
    /// </summary>
    /// <param name="sockets">The sockets created through the layer in it, and whether closing one may reset it.</param>
    /// <returns>The period that ended.</returns>
    private Epoch EndEpoch_NeedsLock(out KeyValuePair<SocketHandle, bool>[] sockets)
    {
        lock (_trackLock)
        {
            var epoch = _epoch!;
            epoch.TornDown = true;
            Volatile.Write(ref _epoch, null);
            sockets = [.. epoch.Sockets];
            epoch.Sockets.Clear();
            return epoch;
        }
    }

    /// <summary>
    /// Forgets the operations of a period that has ended and gone quiet: each was notified (or suppressed) by now, or
    /// ended without any notification (CLN-4 of the lower provider, a process death). Their overlapped objects may be
    /// reused for anything, through this layer or not, and must then be notified as usual.
    /// </summary>
    private void ForgetOperations(Epoch epoch)
    {
        lock (_trackLock)
        {
            List<WsaOverlapped>? ended = null;
            foreach (var (overlapped, owner) in _pending)
            {
                if (owner == epoch)
                {
                    (ended ??= []).Add(overlapped);
                }
            }

            ended?.ForEach(o => _pending.Remove(o));
        }
    }

    /// <summary>
    /// Resets and closes, through the lower provider's own SPI, every socket created through the layer, when the lower
    /// provider is still started for other clients after the layer's lower cleanup; when the lower cleanup was the final
    /// one, the lower provider has already done it (CLN-4..6). Closing aborts the sockets' operations (their
    /// notifications come back through <see cref="LowerUpcalls"/> and are suppressed there) and ends the blocking
    /// calls on them with WSAEINTR (CLS-3, as CLN-5 asks).
    /// </summary>
    private static void TearDown_NeedsLock(IWspProvider lower, KeyValuePair<SocketHandle, bool>[] sockets)
    {
        if (sockets.Length == 0 || !IsStillStarted(lower))
        {
            return;
        }

        foreach (var (socket, mayReset) in sockets)
        {
            // A duplicate of a socket the layer did not create is only closed: another client may still hold the socket.
            var error = mayReset ? lower.SetLinger(socket, enabled: true, seconds: 0).Error : WsaError.Success;
            if (error != WsaError.NotInitialized)
            {
                error = lower.CloseSocket(socket).Error;
            }

            if (error == WsaError.NotInitialized)
            {
                return; // The lower provider's own final cleanup has reset everything meanwhile.
            }
        }
    }

    /// <summary>
    /// Whether the lower provider is still started after the layer's lower cleanup. Providers of this library are
    /// asked; any other is assumed started, and its calls then fail harmlessly with WSANOTINITIALISED if it was not.
    /// </summary>
    private static bool IsStillStarted(IWspProvider lower) => lower switch
    {
        ProviderRuntime runtime => runtime.StartupCount > 0,
        LayeredProvider layer => layer.StartupCount > 0,
        _ => true,
    };

    /// <summary>Waits until no call on the period's sockets and no upcall of its operations is in progress, except on this thread.</summary>
    private void WaitUntilQuiet(Epoch epoch)
    {
        int own = 0;
        if (t_active is { } active)
        {
            foreach (var e in active)
            {
                own += e == epoch ? 1 : 0;
            }
        }

        lock (_trackLock)
        {
            // Bounded: the calls waited for are on sockets that were just closed (they end with WSAEINTR at once) or
            // create a socket, and the upcalls waited for pass a notification decided before the period ended.
            while (epoch.Active > own)
            {
                Monitor.Wait(_trackLock);
            }
        }
    }

    /// <summary>Counts a call or an upcall of <paramref name="epoch"/> as in progress on this thread; the caller holds <see cref="_trackLock"/>.</summary>
    private static void Activate_NeedsTrackLock(Epoch epoch)
    {
        epoch.Active++;
        (t_active ??= []).Add(epoch);
    }

    /// <summary>Ends what <see cref="Activate_NeedsTrackLock"/> counted, and wakes a final cleanup that waits for it.</summary>
    private void Deactivate(Epoch epoch)
    {
        lock (_trackLock)
        {
            epoch.Active--;
            if (epoch.TornDown)
            {
                Monitor.PulseAll(_trackLock);
            }
        }

        var active = t_active!;
        active.RemoveAt(active.LastIndexOf(epoch));
    }

    /// <summary>
    /// Called by the layer's upcall table before it passes up the notification of <paramref name="context"/>:
    /// whether to suppress it (its operation was started through the layer in a period that has ended, CLN-4), and
    /// otherwise the period to hand to <see cref="Deactivate"/> once it has been passed up.
    /// </summary>
    private Epoch? BeginUpcall(object? context, out bool suppress)
    {
        suppress = false;
        if (context is not WsaOverlapped overlapped)
        {
            return null;
        }

        lock (_trackLock)
        {
            if (!_pending.Remove(overlapped, out var epoch))
            {
                return null; // Not started through this layer on its own sockets: another client's, passed up as is.
            }

            if (epoch.TornDown)
            {
                suppress = true;
                return null;
            }

            Activate_NeedsTrackLock(epoch);
            return epoch;
        }
    }

    /// <summary>
    /// One period of the layer: from a first startup to the final cleanup (or the end of the process). It holds the
    /// lower provider started, and knows the sockets created through the layer and the calls and upcalls in progress.
    /// </summary>
    private sealed class Epoch(IWspProvider lower, Guid lowerId)
    {
        public IWspProvider Lower { get; } = lower;

        public Guid LowerId { get; } = lowerId;

        /// <summary>Gets the sockets created through the layer, each with whether closing it may reset the socket.</summary>
        public Dictionary<SocketHandle, bool> Sockets { get; } = [];

        /// <summary>The calls on its sockets (and socket creations) and the upcalls of its operations in progress.</summary>
        public int Active;

        /// <summary>Whether the period has ended: calls are refused and notifications of its operations suppressed.</summary>
        public bool TornDown;
    }
}
