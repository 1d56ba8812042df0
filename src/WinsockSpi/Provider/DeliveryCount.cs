namespace WinsockSpi.Provider;

/// <summary>
/// Notifications decided under a provider's lock and not yet made known (CLN-13), as two monotonic counts: the decided
/// side, written only by the holder of the lock (a plain increment published with a release store), and the made side,
/// incremented by whichever thread delivers (interlocked: several may deliver at once). One interlocked step per
/// delivery instead of two, on the delivering side only.
/// </summary>
/// <remarks>
/// The counts wrap around together; their difference stays right in unchecked arithmetic. A reader outside the lock
/// reads the made side first: every delivery it counts was decided before the decided side is read, so the difference
/// never falls below what is really in flight (it may include deliveries decided after the read began).
/// </remarks>
internal struct DeliveryCount
{
    private int _decided;
    private int _made;

    /// <summary>Gets how many deliveries were decided and not yet made.</summary>
    public int InFlight
    {
        get
        {
            int made = Volatile.Read(ref _made);
            return unchecked(Volatile.Read(ref _decided) - made);
        }
    }

    /// <summary>Counts one more delivery decided. The caller holds the provider's lock (the only writer of this side).</summary>
    public void Decide_NeedsLock() => Volatile.Write(ref _decided, unchecked(_decided + 1));

    /// <summary>Counts one delivery as made, with a full fence: a waiter's registration read after it is current.</summary>
    public void Made() => Interlocked.Increment(ref _made);
}
