using System.Globalization;
using System.Text;
using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Provider;

/// <summary>The provider's state as readable text, for failure messages and debugging.</summary>
public sealed partial class ProviderRuntime
{
    /// <summary>
    /// Describes the provider in readable lines, read in one step under its lock: the startup count, every socket (state,
    /// blocking mode, linger, handles, endpoints, the bytes it has waiting to be received and its unsent bytes, the
    /// datagrams waiting, its association with an event (WSPEventSelect: mask and event) or a window (WSPAsyncSelect:
    /// mask, window and message), the events recorded and not yet enumerated, its completion port), every pending
    /// operation and blocked call (kind, bytes, initiating thread, how it will be notified; a waiting select with its
    /// sets), and the closes still lingering. For failure messages; the format may change.
    /// </summary>
    /// <returns>The text; each socket and operation on its own line.</returns>
    /// <remarks>Thread-safe. Runs no notification and no user code.</remarks>
    public string DumpState()
    {
        var text = new StringBuilder();
        using (_lock.Enter())
        {
            text.Append(CultureInfo.InvariantCulture, $"{this}: {(_unloaded ? "unloaded, " : string.Empty)}startup count {_startupCount}, {_table.Count} sockets, {_pendingCount} pending operations, {_blockedCount} blocked calls, {_lingering.Count} lingering closes, {DrainingDeliveries_NeedsLock() + LiveDeliveries_NeedsLock()} deliveries running");
            text.Append(CultureInfo.InvariantCulture, $"{(IsUnloadReadyDump_NeedsLock() ? ", ready to unload" : string.Empty)}");
            _table.ForEach(text, static (t, h, s) => AppendSocket_NeedsLock(t, h, s));
            foreach (var op in _operationView.Snapshot_NeedsLock())
            {
                if (op.Kind == OperationKind.Select)
                {
                    continue; // shown below with its sets
                }

                text.Append(CultureInfo.InvariantCulture, $"\n  {(op.Notification == NotificationKind.BlockingCall ? "blocked call" : "pending")} {op.Kind} on {op.Socket}: {op.BytesDone} of {op.BytesRequested} bytes, thread {op.InitiatingThreadId}, notified by {op.Notification}");
            }

            foreach (var wait in _selects)
            {
                AppendSelect_NeedsLock(text, wait);
            }
        }

        return text.ToString();
    }

    private static void AppendSocket_NeedsLock(StringBuilder text, SocketHandle handle, ProviderSocket s)
    {
        var info = s.Describe_NeedsLock(handle);
        int waiting = s.End is { } end ? end.Snapshot().Available : 0;
        text.Append(CultureInfo.InvariantCulture, $"\n  socket {handle}: {info.State} {info.SocketType}, {(info.IsBlocking ? "blocking" : "non-blocking")}, linger {info.Linger}, {info.HandleCount} handles");
        text.Append(CultureInfo.InvariantCulture, $", local {info.LocalEndPoint?.ToString() ?? "-"}, remote {info.RemoteEndPoint?.ToString() ?? "-"}");
        text.Append(CultureInfo.InvariantCulture, $", {waiting} bytes to receive, {info.UnsentBytes} unsent, {info.PendingOperations} operations");
        if (s.AsyncWindow is { } window)
        {
            text.Append(CultureInfo.InvariantCulture, $", async select {s.SelectMask} to window 0x{window.Handle:X} message {s.AsyncMessage}");
            if (s.AsyncPosted != NetworkEvents.None)
            {
                text.Append(CultureInfo.InvariantCulture, $" ({s.AsyncPosted} posted, not re-enabled)");
            }
        }
        else if (info.SelectedEvents != NetworkEvents.None)
        {
            text.Append(CultureInfo.InvariantCulture, $", event select {info.SelectedEvents} on {(s.SelectEvent is null ? "no event" : s.SelectEvent.IsSet ? "an event (set)" : "an event (not set)")}");
        }

        if (s.Recorded != NetworkEvents.None)
        {
            text.Append(CultureInfo.InvariantCulture, $", recorded {s.Recorded}");
        }

        if (s.Datagram is { } datagram)
        {
            text.Append(CultureInfo.InvariantCulture, $", {datagram.Count} datagrams waiting");
        }

        if (s.Port is not null)
        {
            text.Append(", completion port");
        }
    }

    /// <summary>A waiting select: its thread, the sizes of its sets and the handles it waits on.</summary>
    private static void AppendSelect_NeedsLock(StringBuilder text, SelectWait wait)
    {
        var sets = wait.Sets;
        text.Append(CultureInfo.InvariantCulture, $"\n  blocked call Select, thread {wait.Operation?.Thread?.ManagedThreadId ?? 0}: {sets.ReadEnd} read, {sets.WriteEnd - sets.ReadEnd} write, {sets.Total - sets.WriteEnd} error, {(wait.Timer is null ? "no timeout" : "with a timeout")}, on");
        for (int i = 0; i < sets.Total; i++)
        {
            text.Append(i == 0 ? " " : ", ").Append(sets.Handles[i]);
        }
    }

    private bool IsUnloadReadyDump_NeedsLock()
        => _startupCount == 0 && _table.Count == 0 && _pendingCount == 0 && _blockedCount == 0 && _lingering.Count == 0 && DrainingDeliveries_NeedsLock() == 0;
}
