// The type of every lock in the library. The normal build uses System.Threading.Lock. A build with
// WINSOCKSPI_MONITOR_LOCKS (the Coyote build, see docs/concepts.md) and the frameworks that have no
// System.Threading.Lock (before .NET 9) use a plain object with Monitor, which `lock` statements take
// unchanged. Nothing in the library may depend on which one it is: use LockExtensions.IsHeld.
#if WINSOCKSPI_MONITOR_LOCKS || !NET9_0_OR_GREATER
global using Lock = object;
#else
global using Lock = System.Threading.Lock;
#endif
