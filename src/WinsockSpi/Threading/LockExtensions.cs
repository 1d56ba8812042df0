namespace WinsockSpi.Threading;

/// <summary>What the library asks of a lock, whichever type <c>Lock</c> is in this build.</summary>
internal static class LockExtensions
{
    /// <summary>Gets whether the calling thread holds <paramref name="gate"/>; for Debug assertions of lock discipline.</summary>
    /// <param name="gate">The lock.</param>
    /// <returns>Whether it is held by this thread.</returns>
#if WINSOCKSPI_MONITOR_LOCKS || !NET9_0_OR_GREATER
    public static bool IsHeld(this Lock gate) => Monitor.IsEntered(gate);
#else
    public static bool IsHeld(this Lock gate) => gate.IsHeldByCurrentThread;
#endif
}
