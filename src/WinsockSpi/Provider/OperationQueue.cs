using System.Diagnostics;

namespace WinsockSpi.Provider;

/// <summary>An intrusive FIFO of operations, linked through the records themselves (no allocation). Guarded by the provider's lock.</summary>
internal struct OperationQueue
{
    public OperationRecord? Head;
    public OperationRecord? Tail;
    public int Count;

    public void Enqueue(OperationRecord op)
    {
        Debug.Assert(!op.InQueue, "An operation is in one queue at a time.");
        op.Prev = Tail;
        op.Next = null;
        if (Tail is null)
        {
            Head = op;
        }
        else
        {
            Tail.Next = op;
        }

        Tail = op;
        op.InQueue = true;
        Count++;
    }

    public void Remove(OperationRecord op)
    {
        Debug.Assert(op.InQueue, "Only a queued operation can be removed.");
        if (op.Prev is null)
        {
            Head = op.Next;
        }
        else
        {
            op.Prev.Next = op.Next;
        }

        if (op.Next is null)
        {
            Tail = op.Prev;
        }
        else
        {
            op.Next.Prev = op.Prev;
        }

        op.Next = op.Prev = null;
        op.InQueue = false;
        Count--;
    }
}
