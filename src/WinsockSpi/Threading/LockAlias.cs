// The type of every lock in the library. The normal build uses System.Threading.Lock. A build with
// WINSOCKSPI_MONITOR_LOCKS (the Coyote build, see docs/concepts.md) and the frameworks that have no
// System.Threading.Lock (before .NET 9) use a plain object with Monitor, which `lock` statements take
// unchanged. Nothing in the library may depend on which one it is.
//
// The provider's lock, taken on every call, is a ProviderLock: a SpinGate (one compare-exchange to take it, one store
// to release it) on .NET 9 and later, and a MonitorGate where `Lock` is a monitor too (the Coyote build, which then
// schedules it as one step, and .NET 8, whose package a Coyote test can use as it is: docs/coyote.md). It is taken
// with `using (_lock.Enter())`, never with a `lock` statement (which would take an unrelated Monitor).
#if WINSOCKSPI_MONITOR_LOCKS || !NET9_0_OR_GREATER
global using Lock = object;
#else
global using Lock = System.Threading.Lock;
#endif
#if WINSOCKSPI_MONITOR_LOCKS || !NET9_0_OR_GREATER
global using ProviderLock = WinsockSpi.Threading.MonitorGate;
#else
global using ProviderLock = WinsockSpi.Threading.SpinGate;
#endif
