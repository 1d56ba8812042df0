// Overlapped I/O (SEMANTICS.md section 6): the same receive completed three ways (an event, a completion routine,
// a completion port), then a send that pends on a full send buffer until the peer reads.
// Nothing happens on its own: the program drives the far end (RemotePeer) step by step, and checks every claim it
// prints; it exits with 1 when the simulator does not behave as shown.
using System.Net;
using System.Net.Sockets;
using System.Text;
using WinsockSpi.Samples;
using WinsockSpi;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

// Every wait below returns as soon as its condition holds; the timeout only bounds a broken run.
SampleTrace.Start(args);

var wait = TimeSpan.FromSeconds(10);
const int SendBufferSize = 1024; // SO_SNDBUF of every connection: small, so a send can fill it (OVL-9)

using var runtime = SampleTrace.Attach(new ProviderRuntime(new ProviderOptions { SendBufferSize = SendBufferSize }));
new SpiResult(runtime.Startup(WinsockVersion.V2_2, out _)).ThrowIfFailed();
using var listener = runtime.Network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
int mainThread = Environment.CurrentManagedThreadId;
byte[] hello = "hello"u8.ToArray();

// ---- (a) An event ---------------------------------------------------------------------------------------------
Console.WriteLine("(a) Event: the overlapped object names an event (hEvent), set when the receive completes");
{
    var (s, peer) = Connect();
    using var ev = new WsaEvent();
    var ov = new WsaOverlapped(ev);
    var buffer = new byte[64];
    var t = new Table("step", "returns", "WSA symbol", "observed");

    var recv = runtime.Receive(s, buffer, ov);
    t.Add("WSPRecv(s, 64 bytes, overlapped)", Bytes(recv), recv.Error.ToSymbol(), $"nothing to read yet; event set: {YesNo(ev.IsSet)}");
    Claims.Check(recv.Error == WsaError.IOPending && !ev.IsSet, "(a) the receive pends and the event is not set");

    var early = runtime.GetOverlappedResult(s, ov, wait: false);
    t.Add("WSPGetOverlappedResult(wait: no)", Bool(early), early.Error.ToSymbol(), "still in progress (OVL-6)");
    Claims.Check(early.Error == WsaError.IOIncomplete, "(a) a pending result reads WSA_IO_INCOMPLETE");

    int written = peer.Write(hello);
    t.Add("peer.Write(\"hello\")", written, null, $"the data completes the receive; event set: {YesNo(ev.IsSet)}");

    bool signalled = ev.Wait(wait);
    t.Add("event.Wait(10 s)", signalled ? "signalled" : "timed out", null, "returns at once: the event is set");

    var done = runtime.GetOverlappedResult(s, ov, wait: false);
    t.Add("WSPGetOverlappedResult(wait: no)", Bool(done), done.Error.ToSymbol(), $"{ov.BytesTransferred} bytes: \"{Text(buffer, ov.BytesTransferred)}\"");
    Claims.Check(signalled && done.GetValueOrDefault(0) == hello.Length && Text(buffer, 5) == "hello", "(a) the event is set and the result gives the 5 bytes");
    t.Print();
}

// ---- (b) A completion routine ---------------------------------------------------------------------------------
Console.WriteLine("(b) Completion routine: queued to the thread that started the receive (an APC), and run only");
Console.WriteLine("    when that thread waits alertably (AlertableWait, like SleepEx(t, TRUE)); never on another\n    thread, never in a non-alertable wait (OVL-4)");
{
    var (s, peer) = Connect();
    using var ev = new WsaEvent();
    var ov = new WsaOverlapped(ev); // with a routine the event is ignored
    var buffer = new byte[64];
    int routineThread = 0, routineBytes = -1;
    var routineError = WsaError.IOPending;
    CompletionRoutine routine = (error, bytes, _, _) =>
    {
        routineThread = Environment.CurrentManagedThreadId;
        routineError = error;
        routineBytes = bytes;
    };
    var t = new Table("step", "thread", "returns", "WSA symbol", "observed");

    var recv = runtime.Receive(s, buffer, ov, routine);
    t.Add("WSPRecv(s, 64 bytes, overlapped, routine)", mainThread, Bytes(recv), recv.Error.ToSymbol(), "the initiating thread");
    Claims.Check(recv.Error == WsaError.IOPending, "(b) the receive pends");

    // The peer writes from a thread-pool thread: the receive completes there, but its routine is queued to the main thread.
    int writerThread = 0;
    bool wrote = Task.Run(() =>
    {
        writerThread = Environment.CurrentManagedThreadId;
        peer.Write(hello);
    }).Wait(wait);
    int queued = runtime.Process.GetQueuedApcCount(WsaThreadId.Current);
    t.Add("peer.Write(\"hello\")", writerThread, hello.Length, null,
        $"receive completed: {YesNo(ov.IsCompleted)}; routine ran: {YesNo(routineThread != 0)}; APCs queued to {mainThread}: {queued}");
    Claims.Check(wrote && ov.IsCompleted && routineThread == 0 && queued == 1, "(b) the completed receive's routine waits in the initiating thread's APC queue");

    var result = runtime.GetOverlappedResult(s, ov, wait: true);
    t.Add("WSPGetOverlappedResult(wait: yes)", mainThread, Bool(result), result.Error.ToSymbol(), $"non-alertable: routine ran: {YesNo(routineThread != 0)}");
    Claims.Check(result.GetValueOrDefault(0) == hello.Length && routineThread == 0, "(b) a non-alertable wait runs no routine (OVL-6)");

    var (otherThread, ranElsewhere) = Task.Run(() => (Environment.CurrentManagedThreadId, runtime.Process.AlertableWait(TimeSpan.Zero))).Result;
    t.Add("AlertableWait(0 s)", otherThread, ranElsewhere, null, "another thread's alertable wait runs nothing");
    Claims.Check(ranElsewhere == 0 && routineThread == 0, "(b) an alertable wait on another thread runs no routine");

    int ran = runtime.Process.AlertableWait(wait);
    t.Add("AlertableWait(10 s)", mainThread, ran, null,
        $"returns at once; routine ran on thread {routineThread}: {routineError.ToSymbol()}, {routineBytes} bytes");
    Claims.Check(ran == 1 && routineThread == mainThread && routineError == WsaError.Success && routineBytes == hello.Length,
        "(b) the routine runs once, on the initiating thread, in its alertable wait");

    t.Add("event set?", null, YesNo(ev.IsSet), null, "ignored when a routine is given");
    Claims.Check(!ev.IsSet, "(b) the event is not set when a routine is given");
    t.Print();
}

// ---- (c) A completion port ------------------------------------------------------------------------------------
Console.WriteLine("(c) Completion port: the socket is associated with a port; each completion posts a packet");
Console.WriteLine("    (key, bytes, overlapped, status) that any thread dequeues (TryDequeue, like GetQueuedCompletionStatus)");
{
    var (s, peer) = Connect();
    var port = new CompletionPort();
    var ov = new WsaOverlapped(); // no event, no routine: the port is the only notification
    var buffer = new byte[64];
    var t = new Table("step", "returns", "WSA symbol", "observed");

    var associated = port.Associate(runtime, s, completionKey: 42);
    t.Add("port.Associate(s, key 42)", Returns(associated), associated.Error.ToSymbol(), null);

    var recv = runtime.Receive(s, buffer, ov);
    t.Add("WSPRecv(s, 64 bytes, overlapped)", Bytes(recv), recv.Error.ToSymbol(), null);

    bool early = port.TryDequeue(out _);
    t.Add("port.TryDequeue(0 s)", early ? "TRUE" : "FALSE", null, "no packet yet");
    Claims.Check(associated.IsSuccess && recv.Error == WsaError.IOPending && !early, "(c) the receive pends and posts nothing yet");

    t.Add("peer.Write(\"hello\")", peer.Write(hello), null, $"packets waiting: {port.Count}");

    bool got = port.TryDequeue(out var packet, wait);
    t.Add("port.TryDequeue(10 s)", got ? "TRUE" : "FALSE", packet.Status.ToSymbol(),
        $"key {packet.CompletionKey}, {packet.BytesTransferred} bytes, our overlapped: {YesNo(packet.Overlapped == ov)}");
    Claims.Check(got && packet.CompletionKey == 42 && packet.BytesTransferred == hello.Length && packet.Overlapped == ov && packet.Status == WsaError.Success,
        "(c) one packet carries key 42, 5 bytes, the overlapped object and NO_ERROR");
    t.Print();
}

// ---- (d) A send that waits for room ---------------------------------------------------------------------------
Console.WriteLine($"(d) A send larger than the {SendBufferSize}-byte send buffer pends until the peer reads (OVL-9).");
Console.WriteLine("    It completes when its last byte is in the buffer, not when the peer has read it.");
{
    var (s, peer) = Connect();
    using var ev = new WsaEvent();
    var ov = new WsaOverlapped(ev);
    var payload = new byte[(SendBufferSize * 5) / 2]; // 2.5 buffers
    for (int i = 0; i < payload.Length; i++)
    {
        payload[i] = (byte)i;
    }

    var received = new List<byte>();
    var chunk = new byte[SendBufferSize];
    var t = new Table("step", "returns", "WSA symbol", "send status", "event set", "peer can read");

    var send = runtime.Send(s, payload, ov);
    t.Add($"WSPSend(s, {payload.Length} bytes, overlapped)", Bytes(send), send.Error.ToSymbol(), ov.Error.ToSymbol(), YesNo(ev.IsSet), peer.Available);
    Claims.Check(send.Error == WsaError.IOPending && peer.Available == SendBufferSize && !ev.IsSet, "(d) the send fills the buffer and pends");

    bool[] completedAfterRead = new bool[3];
    for (int i = 0; i < completedAfterRead.Length; i++)
    {
        int n = peer.Read(chunk);
        received.AddRange(chunk.AsSpan(0, n).ToArray());
        completedAfterRead[i] = ov.IsCompleted;
        t.Add($"peer.Read({chunk.Length})", n, null, ov.Error.ToSymbol(), YesNo(ev.IsSet), peer.Available);
    }

    Claims.Check(completedAfterRead is [false, true, true], "(d) the send completes after the second read, with bytes still unread by the peer");

    var result = runtime.GetOverlappedResult(s, ov, wait: false);
    t.Add("WSPGetOverlappedResult(wait: no)", $"{Bool(result)}, {ov.BytesTransferred} bytes", result.Error.ToSymbol(), ov.Error.ToSymbol(), YesNo(ev.IsSet), peer.Available);
    t.Print();

    bool intact = received.SequenceEqual(payload);
    Console.WriteLine($"    The peer read {received.Count} bytes in all: {(intact ? "identical to" : "DIFFERENT from")} what was sent.");
    Console.WriteLine();
    Claims.Check(ev.IsSet && result.GetValueOrDefault(0) == payload.Length && intact, "(d) the event is set, the result gives every byte, the peer read them all in order");
}

var cleanup = runtime.Cleanup();
Console.WriteLine($"WSPCleanup() -> {Returns(cleanup)} {cleanup.Error.ToSymbol()}; ready to unload: {YesNo(runtime.IsUnloadReady)}");
Claims.Check(cleanup.IsSuccess && runtime.IsUnloadReady, "the final cleanup leaves the provider ready to unload");
Console.WriteLine();
SampleTrace.Print();
return Claims.Report();

// Connects a new socket to the listener and takes the peer's end of the connection.
(SocketHandle Socket, RemotePeer Peer) Connect()
{
    var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
    runtime.Connect(s, listener.EndPoint).ThrowIfFailed();
    return (s, listener.Accept());
}

// The C return value of a send/receive: the byte count, or SOCKET_ERROR with the code reported separately.
static string Bytes(SpiResult<int> result) => result.IsSuccess ? $"{result.Value}" : "SOCKET_ERROR";

// The C return value of a call without a count: 0, or SOCKET_ERROR.
static string Returns(SpiResult result) => result.IsSuccess ? "0" : "SOCKET_ERROR";

static string Bool<T>(SpiResult<T> result) => result.IsSuccess ? "TRUE" : "FALSE";

static string YesNo(bool value) => value ? "yes" : "no";

static string Text(byte[] buffer, int count) => Encoding.ASCII.GetString(buffer, 0, count);
