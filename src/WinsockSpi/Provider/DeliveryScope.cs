namespace WinsockSpi.Provider;

/// <summary>
/// One batch of notifications being delivered by the current thread, on a per-thread stack. A close or the final
/// cleanup called from inside a delivery (CLN-12) asks it how many of the deliveries it waits for are its own thread's,
/// still to come, so that it waits for every other thread's and never for the one it is called from (CLN-13).
/// </summary>
/// <remarks>Pooled per thread: no allocation per batch once a thread has delivered at a given depth.</remarks>
internal sealed class DeliveryScope
{
    [ThreadStatic]
    private static DeliveryScope? t_top;

    [ThreadStatic]
    private static DeliveryScope? t_free;

    private DeliveryScope? _outer;

    public ProviderRuntime? Provider { get; private set; }

    public Notifications Batch;

    /// <summary>The socket whose notification is being delivered right now (by this thread), if any.</summary>
    public ProviderSocket? Current;

    /// <summary>The first operation of the batch after the one being delivered.</summary>
    public OperationRecord? NextOperation;

    /// <summary>The index of the first event of the batch not set yet (0 is the first; <see cref="int.MaxValue"/>: all set).</summary>
    public int NextEvent;

    /// <summary>The index of the first window message of the batch not posted yet (<see cref="int.MaxValue"/>: all posted).</summary>
    public int NextMessage;

    public static DeliveryScope Enter(ProviderRuntime provider, in Notifications batch)
    {
        var scope = t_free;
        if (scope is null)
        {
            scope = new DeliveryScope();
        }
        else
        {
            t_free = scope._outer;
        }

        scope.Provider = provider;
        scope.Batch = batch;
        scope.NextOperation = batch.FirstOperation;
        scope.NextEvent = 0;
        scope.NextMessage = 0;
        scope.Current = null;
        scope._outer = t_top;
        t_top = scope;
        return scope;
    }

    /// <summary>
    /// Counts what this thread still has to deliver for <paramref name="provider"/>: the deliveries of
    /// <paramref name="socket"/>, or, when null, the batches (each counted once on the provider while it is delivered).
    /// </summary>
    public static int Undelivered(ProviderRuntime provider, ProviderSocket? socket)
    {
        int n = 0;
        for (var scope = t_top; scope is not null; scope = scope._outer)
        {
            if (scope.Provider != provider)
            {
                continue;
            }

            n += socket is null ? 1
                : (scope.Current == socket ? 1 : 0) + scope.Batch.Undelivered(scope.NextOperation, scope.NextEvent, socket)
                    + scope.Batch.UndeliveredMessages(scope.NextMessage, socket);
        }

        return n;
    }

    public void Exit()
    {
        t_top = _outer;
        Provider = null;
        Batch = default;
        Current = null;
        NextOperation = null;
        _outer = t_free;
        t_free = this;
    }
}
