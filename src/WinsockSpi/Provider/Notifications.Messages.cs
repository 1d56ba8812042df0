using WinsockSpi.Processes;

namespace WinsockSpi.Provider;

// The window messages of a batch (WSPAsyncSelect, ASY-1): decided under the lock, posted through WPUPostMessage after it.
internal partial struct Notifications
{
    /// <summary>Gets the window messages to post, in the order they were decided; <see langword="null"/> when none.</summary>
    public readonly List<PendingMessage>? Messages => _messages;

    /// <summary>Lists a window message of <paramref name="socket"/> to post, counting the delivery (CLN-13).</summary>
    public void PostMessage(SimulatedWindow window, int message, nuint wParam, nint lParam, ProviderSocket socket)
    {
        socket.AddDelivery_NeedsLock();
        (_messages ??= []).Add(new PendingMessage(window, message, wParam, lParam, socket));
    }

    /// <summary>Counts, for a close called from inside this batch's delivery, the messages of <paramref name="socket"/> not posted yet.</summary>
    public static int UndeliveredMessages(List<PendingMessage>? messages, int fromMessage, ProviderSocket socket)
    {
        int n = 0;
        for (int i = fromMessage; i < (messages?.Count ?? 0); i++)
        {
            n += messages![i].Socket == socket ? 1 : 0;
        }

        return n;
    }
}

/// <summary>A window message decided under the provider's lock, to post once it is released.</summary>
internal readonly record struct PendingMessage(SimulatedWindow Window, int Message, nuint WParam, nint LParam, ProviderSocket Socket);
