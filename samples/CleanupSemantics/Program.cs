// closesocket versus the final WSPCleanup (SEMANTICS.md CLS-2..5, DUP-1, CLN-4..7, SLT-2, DGM-4, DGM-5, ASY-3, ASY-4).
// Six connections, a datagram socket and two rows a window receives (WindowRows.cs), each in a situation worth comparing, are torn down twice: once with WSPCloseSocket on each
// socket, then, prepared afresh, by the final WSPCleanup. The table at the end sets the outcomes side by side:
// what was notified, the operation's status, what the peer saw, and what reached the peer.
// Every cell is also checked: the program exits with 1 when the simulator does not behave as shown.
using System.Net;
using System.Net.Sockets;
using WinsockSpi.Samples;
using WinsockSpi;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

SampleTrace.Start(args);

const int MiB = 1 << 20;

string[] situations =
[
    "1. receive pending (event + port)",
    "2. send pending (routine), buffer full",
    "3. 1 MiB sent, closed gracefully",
    "4. 4 KiB unread, linger {1,0}",
    "5. duplicated, 1 of 2 handles closed",
    "6. select waiting on another thread",
    "7. datagram receive pending (event)",
];
situations = [.. situations, .. WindowRows.Situations];

Console.WriteLine("Set 1: each socket is closed with WSPCloseSocket");
var byClose = RunSet(finalCleanup: false);
Console.WriteLine("Set 2: the same situations afresh; the final WSPCleanup tears down what is still open");
var byCleanup = RunSet(finalCleanup: true);

Console.WriteLine("Side by side");
var compare = new Table("situation", "", "closesocket", "final WSPCleanup");
for (int i = 0; i < situations.Length; i++)
{
    compare.Add(situations[i], "notified", byClose[i].Notified, byCleanup[i].Notified);
    compare.Add(null, "op status", byClose[i].Status, byCleanup[i].Status);
    compare.Add(null, "peer saw", byClose[i].Peer, byCleanup[i].Peer);
    compare.Add(null, "delivered", byClose[i].Delivered, byCleanup[i].Delivered);
}

compare.Print();
Console.WriteLine("closesocket aborts what is pending on the socket and tells the application (CLS-2), then closes per");
Console.WriteLine("SO_LINGER: a graceful close still delivers the buffered data (CLS-4), linger {1,0} resets (CLS-5).");
Console.WriteLine("Closing one of two handles does nothing to the socket (DUP-1). The final WSPCleanup aborts with 995");
Console.WriteLine("but notifies nothing at all (CLN-4), resets every socket still open (CLN-6), and leaves alone the");
Console.WriteLine("data of a socket already closed gracefully: the peer still reads every byte (CLN-7). A select waiting");
Console.WriteLine("on another thread sees a socket of its sets closed as readable (its handle is then no socket); the");
Console.WriteLine("final cleanup ends the select itself with WSAEINTR, as every blocking call (SLT-2, CLN-5).");
Console.WriteLine("A datagram receive is aborted the same two ways (DGM-5), and both release the socket's address at");
Console.WriteLine("once (DGM-4).");
Console.WriteLine("Window messages: after either teardown no message is posted for the socket, and the one already in");
Console.WriteLine("the window's queue stays there (ASY-3). An asynchronous request belongs to no socket: closesocket leaves");
Console.WriteLine("it to complete with its message, the final WSACleanup cancels it without one (ASY-4).");
Console.WriteLine();
SampleTrace.Print();
return Claims.Report();

// Prepares the nine situations on a new provider, tears them down by closesocket or by the final cleanup, and
// describes what happened to each. The two sets differ only in the teardown.
(string Notified, string Status, string Peer, string Delivered)[] RunSet(bool finalCleanup)
{
    string set = finalCleanup ? "final WSPCleanup" : "closesocket";
    using var runtime = SampleTrace.Attach(new ProviderRuntime(new ProviderOptions { SendBufferSize = MiB })); // room for 1 MiB unread
    new SpiResult(runtime.Startup(WinsockVersion.V2_2, out _)).ThrowIfFailed();
    using var listener = runtime.Network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
    var calls = new Table("call", "returns", "WSA symbol", "note");

    // 1. A receive waits for data; its overlapped names an event and the socket is associated with a port.
    var (recvSocket, recvPeer) = Connect();
    var port = new CompletionPort();
    port.Associate(runtime, recvSocket, completionKey: 1).ThrowIfFailed();
    using var recvEvent = new WsaEvent();
    var recvOv = new WsaOverlapped(recvEvent);
    Pending(runtime.Receive(recvSocket, new byte[64], recvOv));

    // 2. A send larger than the buffer: 1 MiB goes into it, the last 4 KiB wait. Its routine needs an alertable wait.
    var (sendSocket, sendPeer) = Connect();
    byte[] sendData = Pattern(MiB + 4096);
    var sendOv = new WsaOverlapped();
    int routineRuns = 0;
    var routineError = WsaError.IOPending;
    Pending(runtime.Send(sendSocket, sendData, sendOv, (error, _, _, _) =>
    {
        routineRuns++;
        routineError = error;
    }));

    // 3. 1 MiB fits the buffer, then a graceful close (SO_DONTLINGER, the default) before the peer reads any of it.
    var (drainSocket, drainPeer) = Connect();
    byte[] drainData = Pattern(MiB);
    runtime.Send(drainSocket, drainData).ThrowIfFailed();
    Close("3", drainSocket, "graceful: returns at once, data still buffered");

    // 4. 4 KiB sit unread in the buffer; SO_LINGER {1,0} makes the close abortive.
    var (hardSocket, hardPeer) = Connect();
    byte[] hardData = Pattern(4096);
    runtime.Send(hardSocket, hardData).ThrowIfFailed();
    runtime.SetLinger(hardSocket, enabled: true, seconds: 0).ThrowIfFailed();

    // 5. A second handle to the same socket, a receive pending, then one of the two handles closed: the very handle
    //    the receive was started on. The socket lives on through the other handle.
    var (dupSocket, dupPeer) = Connect();
    var dupHandle = runtime.DuplicateSocket(dupSocket).ThrowIfFailed();
    using var dupEvent = new WsaEvent();
    var dupOv = new WsaOverlapped(dupEvent);
    var dupBuffer = new byte[64];
    Pending(runtime.Receive(dupSocket, dupBuffer, dupOv));
    Close("5", dupSocket, "one of two handles: the socket stays open");

    // 6. Another thread waits in select for the socket to become readable, with no timeout: a blocking call (SLT-2).
    var (selectSocket, selectPeer) = Connect();
    List<SocketHandle> readSet = [selectSocket];
    var selector = Task.Run(() => runtime.Select(readSet, null, null, timeout: null));
    if (!SpinWait.SpinUntil(() => runtime.Operations.BlockedCallCount == 1, TimeSpan.FromSeconds(20)))
    {
        throw new InvalidOperationException("The select did not block.");
    }

    // 7. A datagram socket bound to an address, a receive-from pending with an event; a datagram peer sends later.
    using var datagramPeer = runtime.Network.BindDatagram(new IPEndPoint(IPAddress.Loopback, 0));
    var dgramSocket = runtime.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
    runtime.Bind(dgramSocket, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
    var dgramAddress = runtime.GetSockName(dgramSocket).ThrowIfFailed();
    using var dgramEvent = new WsaEvent();
    var dgramOv = new WsaOverlapped(dgramEvent);
    var dgramFrom = new SourceAddress();
    Pending(runtime.ReceiveFrom(dgramSocket, new byte[64], dgramFrom, dgramOv));

    // 8, 9. A socket selected with WSPAsyncSelect, one message queued, and a lookup of ws2_32 still pending (WindowRows).
    using var windowRows = new WindowRows(runtime, listener);

    // The teardown: the only difference between the two sets.
    if (finalCleanup)
    {
        var cleanup = runtime.Cleanup();
        calls.Add("WSPCleanup()", Returns(cleanup), cleanup.Error.ToSymbol(), $"count {runtime.StartupCount}, sockets {runtime.Sockets.Count}, pending {runtime.Operations.PendingCount}");
        Claims.Check(cleanup.IsSuccess && runtime.IsUnloadReady, "the final cleanup returns 0 with nothing left: ready to unload (CLN-8)");
        int wsaCleanup = windowRows.FinalWSACleanup();
        calls.Add("WSACleanup() (ws2_32)", wsaCleanup, null, "the process's final WSACleanup: pending lookups cancelled");
        Claims.Check(wsaCleanup == 0, "the final WSACleanup returns 0");
    }
    else
    {
        Close("1", recvSocket, "its pending receive is aborted");
        Close("2", sendSocket, "its pending send is aborted");
        Close("4", hardSocket, "abortive: linger {1,0}");
        Close("6", selectSocket, "the select on the other thread wakes");
        Close("7", dgramSocket, "its pending receive-from is aborted");
        var closed = windowRows.CloseSocket();
        calls.Add("WSPCloseSocket(8)", Returns(closed), closed.Error.ToSymbol(), "selected with WSPAsyncSelect; 9 is no socket's");
        Claims.Check(closed.IsSuccess, $"8/{set}: closesocket returns 0 at once");
    }

    if (!selector.Wait(TimeSpan.FromSeconds(20)))
    {
        throw new InvalidOperationException("The select did not return.");
    }

    var selected = selector.Result;
    calls.Add("Select(6) on the other thread", selected.IsSuccess ? selected.Value : "SOCKET_ERROR", selected.Error.ToSymbol(),
        selected.IsSuccess ? $"read set now {string.Join(", ", readSet)}" : "read set unchanged");

    // A routine queued by the teardown is waiting for this thread; a wait of 0 runs it, or returns at once if none is.
    int ran = runtime.Process.AlertableWait(TimeSpan.Zero);
    calls.Add("AlertableWait(0 s)", ran, null, "routines run on this thread");
    Console.WriteLine($"  the calls ({set}):");
    calls.Print();

    var outcomes = new (string Notified, string Status, string Peer, string Delivered)[situations.Length];

    // 1. Event and port: both notified by closesocket (the packet has 0 bytes), neither by the final cleanup.
    bool packet = port.TryDequeue(out var p);
    outcomes[0] = (
        $"event {(recvEvent.IsSet ? "set" : "not set")}, " + (packet ? $"port packet ({p.BytesTransferred} B, {p.Status.ToSymbol()})" : "no port packet"),
        Status(recvOv),
        PeerSaw(recvPeer),
        "nothing was sent");
    Claims.Check(recvOv.Error == WsaError.OperationAborted, $"1/{set}: the pending receive ends with 995");
    Claims.Check(finalCleanup
        ? !recvEvent.IsSet && !packet && port.PostedCount == 0
        : recvEvent.IsSet && packet && p.Status == WsaError.OperationAborted && p.BytesTransferred == 0 && p.Overlapped == recvOv && port.Count == 0,
        $"1/{set}: " + (finalCleanup ? "no event, no packet (CLN-4)" : "the event is set and one packet of 0 bytes posted with 995 (CLS-2)"));
    CheckPeer(recvPeer, reset: finalCleanup, $"1/{set}");

    // 2. The routine: queued by closesocket and run by the alertable wait; never queued by the final cleanup.
    outcomes[1] = (
        routineRuns > 0 ? $"routine ran in AlertableWait ({routineError.ToSymbol()})" : $"routine not run (AlertableWait ran {ran})",
        Status(sendOv),
        PeerSaw(sendPeer),
        Delivered(sendPeer, sendData, out int sendRead, out bool sendIntact));
    Claims.Check(sendOv.Error == WsaError.OperationAborted, $"2/{set}: the pending send ends with 995");
    Claims.Check(finalCleanup ? routineRuns == 0 && ran == 0 : routineRuns == 1 && routineError == WsaError.OperationAborted && ran == 1,
        $"2/{set}: " + (finalCleanup ? "the routine is never queued (CLN-4)" : "the routine runs once with 995 in the alertable wait (CLS-2)"));
    Claims.Check(finalCleanup ? sendRead == 0 : sendRead == MiB && sendIntact,
        $"2/{set}: " + (finalCleanup ? "the reset discards the buffered data" : "the buffered 1 MiB is still delivered, the aborted 4 KiB never is"));
    CheckPeer(sendPeer, reset: finalCleanup, $"2/{set}");

    // 3. Closed gracefully before the teardown: nothing pending, and the peer reads all 1 MiB in both sets.
    outcomes[2] = ("nothing pending", "-", PeerSaw(drainPeer), Delivered(drainPeer, drainData, out int drainRead, out bool drainIntact));
    Claims.Check(drainRead == MiB && drainIntact, $"3/{set}: the peer reads every byte of the 1 MiB (CLS-4, CLN-7)");
    CheckPeer(drainPeer, reset: false, $"3/{set}");

    // 4. Linger {1,0}, or the final cleanup, which closes every open socket that way: the unread data is gone.
    outcomes[3] = ("nothing pending", "-", PeerSaw(hardPeer), Delivered(hardPeer, hardData, out int hardRead, out _));
    Claims.Check(hardRead == 0, $"4/{set}: the unread 4 KiB are discarded (CLS-5, CLN-6)");
    CheckPeer(hardPeer, reset: true, $"4/{set}");

    // 5. After closesocket on one handle the receive is still pending and the socket still works: the peer's data
    //    completes it. The final cleanup aborts it silently and resets the connection.
    string notified = $"event {(dupEvent.IsSet ? "set" : "not set")}";
    string status = Status(dupOv);
    string peerSaw = PeerSaw(dupPeer);
    Claims.Check(!dupEvent.IsSet && dupOv.Error == (finalCleanup ? WsaError.OperationAborted : WsaError.IOPending),
        $"5/{set}: " + (finalCleanup ? "the receive ends with 995, no event" : "closing one handle cancels and notifies nothing (DUP-1)"));
    CheckPeer(dupPeer, reset: finalCleanup, $"5/{set}");
    int written = dupPeer.Write("ping"u8);
    outcomes[4] = (notified, status, peerSaw,
        written == 0 ? "peer.Write gives 0: reset"
        : $"peer.Write({written} B) -> receive completes, {dupOv.BytesTransferred} B, event {(dupEvent.IsSet ? "set" : "not set")}");
    Claims.Check(finalCleanup ? written == 0 : dupOv.IsCompleted && dupOv.BytesTransferred == 4 && dupEvent.IsSet && dupBuffer[0] == (byte)'p',
        $"5/{set}: " + (finalCleanup ? "the connection is gone" : "the other handle's socket still receives"));

    // 6. closesocket wakes the select, which reports the closed socket readable; a later call on it finds no socket.
    //    The final cleanup interrupts the select instead (and, the count being 0, later calls are not initialised).
    var after = runtime.Receive(selectSocket, new byte[4]);
    outcomes[5] = (
        selected.IsSuccess ? $"select returned {selected.Value}, the socket in its read set" : $"select returned SOCKET_ERROR",
        selected.IsSuccess ? "-" : $"{(int)selected.Error} {selected.Error.ToSymbol()}",
        PeerSaw(selectPeer),
        $"nothing was sent; a later recv gives {after.Error.ToSymbol()}");
    Claims.Check(finalCleanup
        ? selected.Error == WsaError.Interrupted && readSet.SequenceEqual([selectSocket]) && after.Error == WsaError.NotInitialized
        : selected.IsSuccess && selected.Value == 1 && readSet.SequenceEqual([selectSocket]) && after.Error == WsaError.NotSocket,
        $"6/{set}: " + (finalCleanup ? "the select ends with WSAEINTR, its set unchanged (CLN-5)" : "the closed socket is reported readable, then is no socket (SLT-2)"));
    CheckPeer(selectPeer, reset: finalCleanup, $"6/{set}");

    // 7. A datagram receive is aborted like a stream receive: notified by closesocket, silently by the final cleanup.
    //    Both release the address at once: a message the peer sends afterwards finds nothing bound and is dropped.
    bool arrived = datagramPeer.SendTo("late"u8, dgramAddress);
    outcomes[6] = (
        $"event {(dgramEvent.IsSet ? "set" : "not set")}",
        Status(dgramOv),
        "no connection",
        arrived ? "a later message is queued: still bound" : "a later message is dropped: address released");
    Claims.Check(dgramOv.Error == WsaError.OperationAborted && dgramEvent.IsSet == !finalCleanup,
        $"7/{set}: the receive-from ends with 995, " + (finalCleanup ? "no event (CLN-4)" : "its event set (CLS-2)"));
    Claims.Check(!arrived && dgramFrom.EndPoint is null && runtime.Network.DatagramsDropped == 1,
        $"7/{set}: the bound address is released at once (DGM-4)");

    // 8, 9. Window messages: none after either teardown, the queued one kept; the lookup cancelled only by the cleanup.
    windowRows.Describe(finalCleanup, set).CopyTo(outcomes, 7);

    if (!finalCleanup)
    {
        Close("5", dupHandle, "the last handle");
        runtime.Cleanup().ThrowIfFailed();
    }

    return outcomes;

    // Connects a new socket to the listener and takes the peer's end of the connection.
    (SocketHandle Socket, RemotePeer Peer) Connect()
    {
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
        return (s, listener.Accept());
    }

    void Close(string situation, SocketHandle socket, string note)
    {
        var result = runtime.CloseSocket(socket);
        calls.Add($"WSPCloseSocket({situation}: {socket})", Returns(result), result.Error.ToSymbol(), note);
        Claims.Check(result.IsSuccess, $"{situation}/{set}: closesocket returns 0 at once");
    }
}

// An overlapped call that cannot complete at once returns SOCKET_ERROR with WSA_IO_PENDING (OVL-2).
static void Pending(SpiResult<int> result)
{
    if (result.Error != WsaError.IOPending)
    {
        throw new InvalidOperationException($"Expected WSA_IO_PENDING, got {result}.");
    }
}

static string Returns(SpiResult result) => result.IsSuccess ? "0" : "SOCKET_ERROR";

static string Status(WsaOverlapped ov) => $"{(int)ov.Error} {ov.Error.ToSymbol()}";

// What the peer sees before reading: its state (a FIN may wait behind unread data) and the error its socket reports.
static string PeerSaw(RemotePeer peer) =>
    $"{peer.State}{(peer.FinPending ? " (FIN behind the data)" : string.Empty)}, {peer.LastError.ToSymbol()}";

// Reads everything the peer can read and compares it with the start of what the socket sent.
static string Delivered(RemotePeer peer, byte[] sent, out int read, out bool intact)
{
    var received = new List<byte>();
    while (peer.Available > 0)
    {
        received.AddRange(peer.ReadAvailable());
    }

    read = received.Count;
    intact = received.SequenceEqual(sent.Take(read));
    string state = peer.State == PeerState.FinReceived ? ", then FIN" : string.Empty;
    return read == 0 ? $"0 of {sent.Length} B (discarded)" : $"{read} of {sent.Length} B{state}, {(intact ? "identical" : "DIFFERENT")}";
}

static void CheckPeer(RemotePeer peer, bool reset, string what) => Claims.Check(
    reset ? peer.State == PeerState.Reset && peer.LastError == WsaError.ConnectionReset : peer.LastError == WsaError.Success && peer.State != PeerState.Reset,
    $"{what}: the peer sees " + (reset ? "WSAECONNRESET" : "no reset"));

// Bytes that are easy to tell apart: a slice in the wrong place would not compare equal.
static byte[] Pattern(int length)
{
    var data = new byte[length];
    for (int i = 0; i < length; i++)
    {
        data[i] = (byte)(i % 251);
    }

    return data;
}
