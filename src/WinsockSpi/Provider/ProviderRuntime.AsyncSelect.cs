using System.Globalization;
using System.Runtime.ExceptionServices;
using WinsockSpi.Diagnostics;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

public sealed partial class ProviderRuntime
{
    /// <summary>
    /// WSPAsyncSelect: posts a window message per network event in <paramref name="events"/> to <paramref name="window"/>
    /// (wParam the socket, lParam WSAMAKESELECTREPLY(event, error)) through the upcall table's WPUPostMessage (the most
    /// recent table, STA-7), and makes the socket non-blocking. A later AsyncSelect or <see cref="EventSelect"/> replaces
    /// the association of either kind; <see cref="NetworkEvents.None"/> cancels it and leaves the socket non-blocking (ASY-1).
    /// </summary>
    /// <param name="socket">The handle.</param>
    /// <param name="window">The window; may be <see langword="null"/> only with <see cref="NetworkEvents.None"/>.</param>
    /// <param name="message">The message number to post (wMsg).</param>
    /// <param name="events">The events (FD_* bits).</param>
    /// <returns>
    /// Success; WSANOTINITIALISED, WSAENOTSOCK; WSAEINVAL for unknown bits, or for a non-empty mask with no window, a window
    /// of another process, or a window that is no longer valid (destroyed, or its owning thread has ended).
    /// </returns>
    /// <remarks>
    /// <para>One message per event until the call that re-enables it (ASY-2): FD_READ is posted again only after a receive,
    /// FD_ACCEPT only after an accept, FD_WRITE only after a send that could not complete at once found room; FD_CONNECT and
    /// FD_CLOSE are posted once. A condition already true when this is called (data waiting, room to send, a connection to
    /// accept, a close) is posted at once.</para>
    /// <para>Messages are posted with no lock held. Once the socket is closed none is posted for it, and once the final
    /// cleanup (or the process's death) has begun none is posted at all; messages already in the window's queue stay
    /// there (ASY-3, CLN-13).</para>
    /// </remarks>
    private SpiResult AsyncSelectCore(SocketHandle socket, SimulatedWindow? window, int message, NetworkEvents events)
    {
        var notifications = default(Notifications);
        using (_lock.Enter())
        {
            AssertInvariants_NeedsLock();
            var error = Find_NeedsLock(socket, out var s);
            if (error != WsaError.Success)
            {
                return error;
            }

            if ((events & ~NetworkEvents.All) != 0 ||
                (events != NetworkEvents.None && (window is null || window.Process != Process || !window.IsValid)))
            {
                return WsaError.InvalidArgument;
            }

            s!.AsyncSelect_NeedsLock(socket, window, message, events, ref notifications);
        }

        Dispatch(ref notifications);
        return SpiResult.Success;
    }

    /// <summary>
    /// Posts the window messages of a batch through the upcall table in use (WPUPostMessage), each counted off its socket
    /// once posted; a message the table refuses (the window is no longer valid) is discarded and logged, and a throwing
    /// table does not stop the others.
    /// </summary>
    private void PostMessages(List<PendingMessage>? messages, DeliveryScope scope, ref ExceptionDispatchInfo? failure)
    {
        if (messages is null)
        {
            return;
        }

        var upcalls = Upcalls;
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            scope.NextMessage = i + 1;
            scope.Current = m.Socket;
            try
            {
                ObserveMessage(m);
                var error = upcalls.PostMessage(m.Window, m.Message, m.WParam, m.LParam);
                if (error != WsaError.Success)
                {
                    Log.WindowMessageNotPosted(_logger, m.WParam, m.Window.Handle, error);
                }
            }
            catch (Exception ex)
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                scope.Current = null;
                m.Socket.RemoveDelivery();
            }
        }

        scope.NextMessage = int.MaxValue;
    }

    /// <summary>
    /// Records a window message about to be posted (a notification of the "message" channel): the socket (wParam), the
    /// window, the message number, the network event and its error (lParam; none when the event carries no error). Recorded before the post, as an event is
    /// recorded before it is set, so that what the window's thread does next follows it in the trace.
    /// </summary>
    private void ObserveMessage(in PendingMessage m)
    {
        if (Recorder is { } recorder)
        {
            int code = Winsock.GetSelectError(m.LParam);
            recorder.Record(
                TraceEventKind.WindowMessage, "WindowMessage", Process.Id, Tag, new SocketHandle(m.WParam), code == 0 ? null : (WsaError)code, null,
                string.Create(CultureInfo.InvariantCulture, $"{(NetworkEvents)Winsock.GetSelectEvent(m.LParam)} to window 0x{m.Window.Handle:X}, message {m.Message}"));
        }

        Telemetry.Notification("message");
    }
}
