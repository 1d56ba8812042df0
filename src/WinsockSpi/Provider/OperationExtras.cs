using WinsockSpi.Operations;
using WinsockSpi.Tracing;

namespace WinsockSpi.Provider;

/// <summary>
/// The part of an <see cref="OperationRecord"/> that only some operations use: the buffers of a scatter receive, a
/// datagram's addresses, the completion port and key, an AcceptEx's accept socket and lengths, a DisconnectEx's reuse
/// flag, and the trace of a queued completion routine. Made at the record's first operation that needs it and kept for
/// the record's life (nothing is allocated per operation); written and read under the same rules as the record's own
/// fields (<see cref="OperationRecord"/>).
/// </summary>
internal sealed class OperationExtras
{
    /// <summary>The buffers of a scatter receive (EXT-5).</summary>
    public ReadOnlyMemory<WsaBuf> ReceiveBuffers;

    /// <summary>Where a datagram receive writes the source of its message, until it ends.</summary>
    public Sockets.SourceAddress? From;

    /// <summary>Where a datagram send held back by the network goes once it may leave, until it ends.</summary>
    public System.Net.IPEndPoint? Destination;

    /// <summary>The accept socket of an AcceptEx, until it ends (EXT-1).</summary>
    public ProviderSocket? AcceptSocket;

    /// <summary>The result of a blocking accept.</summary>
    public SocketHandle AcceptedHandle;

    /// <summary>An AcceptEx whose connection has arrived and that waits for the first data (EXT-1).</summary>
    public bool AcceptConnected;

    /// <summary>AcceptEx: dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength.</summary>
    public int AcceptReceiveLength;
    public int AcceptLocalLength;
    public int AcceptRemoteLength;

    /// <summary>A DisconnectEx with TF_REUSE_SOCKET (EXT-1).</summary>
    public bool ReuseSocket;

    /// <summary>The completion port and key of the socket when the operation ended (EXT-3).</summary>
    public CompletionPort? Port;
    public nuint CompletionKey;

    /// <summary>The recorder of the provider that queued the completion routine, with its process and provider numbers (traces only).</summary>
    public TraceRecorder? TraceTo;

    public int TraceProcess;

    public int TraceProvider;

    /// <summary>Whether the last operation's end let go of its buffers, addresses and accept socket (checked at each start in Debug).</summary>
    public bool IsEnded => ReceiveBuffers.IsEmpty && From is null && Destination is null && AcceptSocket is null;

    /// <summary>Clears what a new operation must not inherit (the record's <see cref="OperationRecord.Begin"/>).</summary>
    public void Begin()
    {
        Port = null;
        CompletionKey = 0;
        AcceptedHandle = default;
        AcceptConnected = false;
        AcceptReceiveLength = AcceptLocalLength = AcceptRemoteLength = 0;
        ReuseSocket = false;
        TraceTo = null; // a routine queued for an earlier operation that never ran (its thread or process ended)
    }

    /// <summary>Lets go of the caller's buffers and addresses once the operation has ended.</summary>
    public void ReleaseBuffers()
    {
        ReceiveBuffers = default;
        From = null;
        Destination = null;
    }
}
