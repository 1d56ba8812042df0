using WinsockSpi.Threading;

namespace WinsockSpi.Network;

/// <summary>
/// The lock of one <see cref="Connection"/> or <see cref="DatagramEndpoint"/>: a <see cref="SpinGate"/> whose waiters
/// spin and yield but never sleep. Not reentrant.
/// </summary>
/// <remarks>
/// Every section under it is a few field updates and at most one copy between a buffer and a pipe or ring, and never
/// calls out (listeners are called with no connection lock held), so a waiter waits for a short copy. A pending
/// overlapped receive that a peer write completes crosses it twice (the write, the pump's read). Only code in
/// <c>Network/</c> takes it.
/// </remarks>
internal sealed class ConnectionGate() : SpinGate(parkWhenLong: false);
