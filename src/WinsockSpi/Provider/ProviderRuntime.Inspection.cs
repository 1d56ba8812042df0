using System.Diagnostics.CodeAnalysis;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    private static SocketInfo Describe_NeedsLock(SocketHandle handle, ProviderSocket s) => s.Describe_NeedsLock(handle);

    private static NotificationKind NotificationOf(OperationRecord op, ProviderSocket s) =>
        op.IsBlocking ? NotificationKind.BlockingCall
        : op.Routine is not null ? NotificationKind.CompletionRoutine
        : s.Port is not null ? NotificationKind.CompletionPort
        : op.Event is not null ? NotificationKind.Event
        : NotificationKind.None;

    private sealed class SocketTableView(ProviderRuntime runtime) : ISocketTable
    {
        public int Count
        {
            get
            {
                using (runtime._lock.Enter())
                {
                    return runtime._table.Count;
                }
            }
        }

        public int Capacity => runtime._table.Capacity;

        public bool Contains(SocketHandle handle)
        {
            using (runtime._lock.Enter())
            {
                return runtime._table.Find(handle) is not null;
            }
        }

        public bool TryGetInfo(SocketHandle handle, [MaybeNullWhen(false)] out SocketInfo info)
        {
            using (runtime._lock.Enter())
            {
                if (runtime._table.Find(handle) is { } s)
                {
                    info = Describe_NeedsLock(handle, s);
                    return true;
                }

                info = default;
                return false;
            }
        }

        public IReadOnlyList<SocketInfo> Snapshot()
        {
            using (runtime._lock.Enter())
            {
                var list = new List<SocketInfo>(runtime._table.Count);
                runtime._table.ForEach(list, (l, h, s) => l.Add(Describe_NeedsLock(h, s)));
                return list;
            }
        }
    }

    private sealed class OperationRegistryView(ProviderRuntime runtime) : IPendingOperationRegistry
    {
        public int PendingCount
        {
            get
            {
                using (runtime._lock.Enter())
                {
                    return runtime._pendingCount;
                }
            }
        }

        public int BlockedCallCount
        {
            get
            {
                using (runtime._lock.Enter())
                {
                    return runtime._blockedCount;
                }
            }
        }

        public long CompletedCount
        {
            get
            {
                using (runtime._lock.Enter())
                {
                    return runtime._finishedCount;
                }
            }
        }

        public IReadOnlyList<PendingOperationInfo> Snapshot()
        {
            using (runtime._lock.Enter())
            {
                return Snapshot_NeedsLock();
            }
        }

        /// <summary>The list of <see cref="Snapshot"/>, for a caller that holds the lock (it is not reentrant).</summary>
        internal List<PendingOperationInfo> Snapshot_NeedsLock()
        {
            runtime.AssertLockHeld();
            var list = new List<PendingOperationInfo>();
            int mark = ++runtime._visitMark;
            runtime._table.ForEach(list, (l, _, s) =>
            {
                if (s.VisitMark == mark)
                {
                    return;
                }

                s.VisitMark = mark;
                Add(l, s, s.Receives.Head);
                Add(l, s, s.Sends.Head);
                Add(l, s, s.Accepts.Head);
            });

            foreach (var linger in runtime._lingering)
            {
                AddLinger(list);
            }

            foreach (var wait in runtime._selects)
            {
                // A select waits on no one socket: it is shown with the first handle of its sets.
                list.Add(new PendingOperationInfo(wait.Sets.Handles[0], OperationKind.Select, 0, 0, wait.Operation!.Thread?.ManagedThreadId ?? 0, NotificationKind.BlockingCall, null));
            }

            return list;
        }

        private static void AddLinger(List<PendingOperationInfo> list)
            => list.Add(new PendingOperationInfo(default, OperationKind.LingeringClose, 0, 0, 0, NotificationKind.BlockingCall, null));

        private static void Add(List<PendingOperationInfo> list, ProviderSocket s, OperationRecord? head)
        {
            for (var op = head; op is not null; op = op.Next)
            {
                int requested = op.Kind switch
                {
                    OperationKind.Send or OperationKind.SendTo => op.SendBuffer.Length,
                    OperationKind.Receive or OperationKind.ReceiveFrom => op.ReceiveBuffers.IsEmpty ? op.ReceiveBuffer.Length : WsaBuf.TotalLengthSaturated(op.ReceiveBuffers.Span),
                    OperationKind.ConnectEx => op.SendBuffer.Length,
                    OperationKind.AcceptEx => op.ExtrasIfAny?.AcceptReceiveLength ?? 0,
                    _ => 0,
                };
                list.Add(new PendingOperationInfo(op.Handle, op.Kind, requested, op.Kind is OperationKind.Send or OperationKind.ConnectEx ? op.Progress : 0, op.Thread?.ManagedThreadId ?? 0, NotificationOf(op, s), op.Overlapped));
            }
        }
    }
}
