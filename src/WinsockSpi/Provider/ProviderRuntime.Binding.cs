using System.Runtime.CompilerServices;
using WinsockSpi.Operations;

namespace WinsockSpi.Provider;

/// <summary>
/// Which provider may start an overlapped object (OVL-11): its record is bound to one provider of the process at a time
/// (<see cref="OperationRecord.Owner"/>), and only that provider's lock reserves it, so a reservation by the provider it is
/// bound to is a plain store instead of a compare-exchange.
/// </summary>
/// <remarks>
/// <para>
/// The binding changes only under the lock of the provider it names (<see cref="Unbind"/>, or the end of an operation
/// published after the lock, <see cref="Settle_NeedsLock"/>), or from none to a provider by one compare-exchange under
/// that provider's lock (<see cref="TryReserve_NeedsLock"/>). So a provider holding its lock and finding the record bound
/// to itself is the only one that can reserve it, and a waiter that registers under the lock of the provider named
/// (<see cref="RegisterWaiter"/>) registers with the provider that runs the operation.
/// </para>
/// <para>
/// An object bound to another provider is released first, under that provider's lock, with no lock of this provider held
/// (one provider lock at a time, so two providers passing objects to each other never deadlock). A start of an object
/// still bound elsewhere (its last operation was published under that provider's lock) therefore waits for that provider
/// to leave its lock, which also keeps that provider's last reads of a record it has just published ahead of the next
/// start; an operation published after the lock unbinds its record first. Two providers starting one object at once: one
/// binds it, the other gets WSAEINVAL, as for an object in use.
/// </para>
/// </remarks>
public sealed partial class ProviderRuntime
{
    /// <summary>
    /// Releases <paramref name="overlapped"/> from the other provider it is bound to, if it has ended there, so that this
    /// provider can bind it. Called at the start of every call that may start an overlapped operation, before this
    /// provider's lock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReleaseFromOtherProvider(WsaOverlapped? overlapped)
    {
        if (overlapped?.Core is OperationRecord { Owner: { } owner } record && owner != this)
        {
            owner.Unbind(record);
        }
    }

    /// <summary>A seam for tests: run when another provider is about to take this provider's lock to take an object over. <see langword="null"/> outside tests.</summary>
    internal Action? UnbindSeam;

    /// <summary>Gets the threads parked waiting for this provider's lock now (for tests).</summary>
    internal int LockWaiters => _lock.Parked;

    /// <summary>Gets whether the calling thread holds this provider's lock (for tests; a Release build on .NET 9 or later answers whether any thread does).</summary>
    internal bool LockHeld => _lock.IsHeldByCurrentThread;

    /// <summary>Unbinds <paramref name="record"/> from this provider unless an operation still holds it (OVL-7).</summary>
    private void Unbind(OperationRecord record)
    {
        UnbindSeam?.Invoke();
        using (_lock.Enter())
        {
            if (record.Owner == this && !record.IsBusy)
            {
                Volatile.Write(ref record.Owner, null);
            }
        }
    }

    /// <summary>
    /// Reserves an overlapped operation's record for this provider, once every check of the call has passed: a plain store
    /// when it is bound to this provider, a compare-exchange that binds it when it is bound to none.
    /// </summary>
    /// <returns>Whether this call holds the object; false when it is in use or bound to another provider (OVL-7, OVL-11).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReserve_NeedsLock(OperationRecord record)
    {
        AssertLockHeld();
        var owner = Volatile.Read(ref record.Owner);
        if (owner == this)
        {
            return record.TryReserveBound();
        }

        if (owner is not null || Interlocked.CompareExchange(ref record.Owner, this, null) is not null)
        {
            return false; // started by another provider meanwhile
        }

        if (!record.TryReserveBound())
        {
            // Still busy (its last operation, published after another provider's lock, is being delivered): not ours to
            // keep, so the binding this call made goes again (under this lock, the binding names this provider).
            Volatile.Write(ref record.Owner, null);
            return false;
        }

        return true;
    }
}
