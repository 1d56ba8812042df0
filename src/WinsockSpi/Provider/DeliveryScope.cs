namespace WinsockSpi.Provider;

/// <summary>
/// One batch of notifications being delivered by the current thread, on a per-thread stack. A close or the final
/// cleanup called from inside a delivery (CLN-12) asks it how many of the deliveries it waits for are its own thread's,
/// still to come, so that it waits for every other thread's and never for the one it is called from (CLN-13).
/// </summary>
/// <remarks>Pooled per thread: no allocation per batch once a thread has delivered at a given depth.</remarks>
internal sealed class DeliveryScope
{
    /// <summary>This thread's stack of scopes: one thread-local read per <see cref="Enter"/>, none per <see cref="Exit"/>.</summary>
    [ThreadStatic]
    private static ScopeStack? t_stack;

    private ScopeStack _stack = null!;

    private DeliveryScope? _outer;

    public ProviderRuntime? Provider { get; private set; }

    /// <summary>The batch's events (what <see cref="Notifications.Undelivered"/> needs of it; its operations are
    /// reached from <see cref="NextOperation"/>). Copying the whole batch would pay a write barrier per reference.</summary>
    public NotificationEvents Events;

    /// <summary>The socket whose notification is being delivered right now (by this thread), if any.</summary>
    public ProviderSocket? Current;

    /// <summary>The first operation of the batch after the one being delivered.</summary>
    public OperationRecord? NextOperation;

    /// <summary>The index of the first event of the batch not set yet (0 is the first; <see cref="int.MaxValue"/>: all set).</summary>
    public int NextEvent;

    /// <summary>The index of the first window message of the batch not posted yet (<see cref="int.MaxValue"/>: all posted).</summary>
    public int NextMessage;

    /// <summary>The batch's window messages, if any (what <see cref="Notifications.UndeliveredMessages"/> needs of it).</summary>
    public List<PendingMessage>? Messages;

    public static DeliveryScope Enter(ProviderRuntime provider, in Notifications batch)
    {
        var stack = t_stack ??= new ScopeStack();
        var scope = stack.Free;
        if (scope is null)
        {
            scope = new DeliveryScope { _stack = stack };
        }
        else
        {
            stack.Free = scope._outer;
        }

        scope.Provider = provider;
        if (batch.HasEvents)
        {
            scope.Events = batch.Events;
        }

        scope.NextOperation = batch.FirstOperation;
        scope.NextEvent = 0;
        scope.NextMessage = 0;
        scope.Messages = batch.Messages;
        scope.Current = null;
        scope._outer = stack.Top;
        stack.Top = scope;
        return scope;
    }

    /// <summary>Counts what this thread still has to deliver for <paramref name="socket"/> of <paramref name="provider"/>.</summary>
    public static int Undelivered(ProviderRuntime provider, ProviderSocket socket)
    {
        int n = 0;
        for (var scope = t_stack?.Top; scope is not null; scope = scope._outer)
        {
            if (scope.Provider != provider)
            {
                continue;
            }

            n += (scope.Current == socket ? 1 : 0) + Notifications.Undelivered(scope.NextOperation, scope.Events, scope.NextEvent, socket)
                + Notifications.UndeliveredMessages(scope.Messages, scope.NextMessage, socket);
        }

        return n;
    }

    public void Exit()
    {
        _stack.Top = _outer;
        Provider = null;
        if (Events.First.Event is not null)
        {
            Events = default;
        }

        Current = null;
        NextOperation = null;
        Messages = null;
        _outer = _stack.Free;
        _stack.Free = this;
    }

    /// <summary>One thread's scopes: the innermost one running and the ones kept for reuse.</summary>
    private sealed class ScopeStack
    {
        public DeliveryScope? Top;

        public DeliveryScope? Free;
    }
}
