// The classic WSAAsyncSelect message loop (SEMANTICS.md ASY-1..4), message by message, on the Ws2 layer.
// A window of the process receives one message per network event of its sockets (wParam the socket, lParam
// WSAMAKESELECTREPLY(event, error)) and the message that ends an asynchronous host lookup (wParam the task handle, lParam
// WSAMAKEASYNCREPLY(length, error)). The program prints the queue as it was before each loop, then each message as the
// loop handles it and what it did: first for a stream connection, then for a SOCK_DGRAM socket that receives three
// datagrams (one FD_READ for them, re-enabled by each recvfrom while datagrams remain; each datagram whole, with its
// source address); then what the final WSACleanup does to the window: the messages already queued stay, no message
// follows, and a lookup still pending is cancelled without one.
// Every value printed is also checked: the program exits with 1 when the simulator does not behave as shown.
// With --trace it ends by printing every call, notification and window message as a Mermaid sequence diagram.
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Samples;
using WinsockSpi.Sockets;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

const int WM_SOCKET = 0x0401; // WM_USER + 1: the network events
const int WM_HOST = 0x0402; // WM_USER + 2: the asynchronous lookups

SampleTrace.Start(args);

// The lookups complete on this clock, so the program decides when: nothing here depends on timing.
var clock = new FakeTimeProvider();
using var ws2 = new Ws2Api(new Ws2ApiOptions { TimeProvider = clock, Network = SampleTrace.Attach(new WinsockSpi.Network.SimulatedNetwork()) });
var window = new SimulatedWindow(ws2.Process); // owned by this thread, which runs the loop
var names = new Dictionary<nuint, string>();
Claims.Check(ws2.WSAStartup(MAKEWORD(2, 2), out _) == 0, "WSAStartup returns 0");

StreamSection();
DatagramSection();
CleanupSection();
SampleTrace.Print();
return Claims.Report();

// ---- 1. A stream connection driven by its messages ------------------------------------------------------------
void StreamSection()
{
    Console.WriteLine("1. A stream connection, driven by its window messages (ASY-1, ASY-2, ASY-4)");
    Console.WriteLine("   The listener asks for FD_ACCEPT, the client for FD_CONNECT, FD_WRITE, FD_READ and FD_CLOSE; the client's");
    Console.WriteLine("   connect gives WSAEWOULDBLOCK (WSAAsyncSelect made it non-blocking) and completes by message. A lookup of");
    Console.WriteLine("   \"localhost\" is made too; its time comes before the loop starts.");
    nuint listener = Named(ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), "listener");
    Claims.Check(ws2.bind(listener, new IPEndPoint(IPAddress.Loopback, 0)) == 0 && ws2.listen(listener, 5) == 0, "bind and listen return 0");
    ws2.getsockname(listener, out var address);
    Claims.Check(ws2.WSAAsyncSelect(listener, window, WM_SOCKET, FD_ACCEPT) == 0, "WSAAsyncSelect(listener, FD_ACCEPT) returns 0");

    nuint client = Named(ws2.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), "client");
    Claims.Check(ws2.WSAAsyncSelect(client, window, WM_SOCKET, FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE) == 0, "WSAAsyncSelect(client) returns 0");
    int connect = ws2.connect(client, address);
    Claims.Check(connect == SOCKET_ERROR && ws2.WSAGetLastError() == WSAEWOULDBLOCK, "connect on the selected socket gives WSAEWOULDBLOCK");

    var host = new HostEntBuffer();
    nint task = ws2.WSAAsyncGetHostByName(window, WM_HOST, "localhost", host, MAXGETHOSTSTRUCT);
    names[(nuint)task] = $"task {task}";
    Claims.Check(task != 0 && window.MessageCount == 3, "the lookup returns a task handle and posts nothing yet");
    clock.Advance(Ws2Api.DefaultAsyncRequestDelay);

    Console.WriteLine("   The queue before the loop:");
    PrintQueue(window.Messages);
    Claims.Check(
        Describe(window.Messages).SequenceEqual(["listener FD_ACCEPT", "client FD_CONNECT", "client FD_WRITE", "task WM_HOST"]),
        "before the loop: FD_ACCEPT, FD_CONNECT, FD_WRITE, then the lookup's message");

    const string Text = "hello, message loop";
    nuint server = 0;
    var atServer = new StringBuilder();
    var atClient = new StringBuilder();
    bool clientSawClose = false;
    var handled = Pump(message =>
    {
        if (message.Message == WM_HOST)
        {
            return $"lookup done: h_name {host.HostEntry?.HostName}, {host.Length} B";
        }

        var e = WSAGETSELECTEVENT(message.LParam);
        var s = message.WParam;
        switch (e)
        {
            case FD_ACCEPT:
                server = Named(ws2.accept(listener), "server");
                ws2.WSAAsyncSelect(server, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE);
                return "accept -> server; WSAAsyncSelect(server): room to send, FD_WRITE at once";
            case FD_CONNECT:
                return "connected";
            case FD_WRITE when s == client:
                int sent = ws2.send(client, Encoding.ASCII.GetBytes(Text), Text.Length, 0);
                return $"send(\"{Text}\") = {sent}";
            case FD_WRITE:
                return "room to send; nothing to say yet";
            case FD_READ when s == server:
                var piece = new byte[8];
                int n = ws2.recv(server, piece, piece.Length, 0);
                atServer.Append(Encoding.ASCII.GetString(piece, 0, n));
                if (atServer.Length < Text.Length)
                {
                    return $"recv(8) = {n} \"{Encoding.ASCII.GetString(piece, 0, n)}\": data remains, FD_READ again";
                }

                ws2.send(server, "bye"u8.ToArray(), 3, 0);
                ws2.shutdown(server, SD_SEND);
                return $"recv(8) = {n}: all {atServer.Length} B; send(\"bye\"), shutdown(SD_SEND)";
            case FD_READ:
                var reply = new byte[8];
                int r = ws2.recv(client, reply, reply.Length, 0);
                atClient.Append(Encoding.ASCII.GetString(reply, 0, r));
                return $"recv(8) = {r} \"{atClient}\"";
            case FD_CLOSE:
                clientSawClose = s == client && WSAGETSELECTERROR(message.LParam) == 0;
                return $"peer closed gracefully: recv = {ws2.recv(s, new byte[8], 8, 0)}";
            default:
                return "?";
        }
    });

    Claims.Check(atServer.ToString() == Text, "the server received the text intact, 8 bytes a message");
    Claims.Check(atClient.ToString() == "bye" && clientSawClose, "the client received \"bye\", then FD_CLOSE with no error");
    Claims.Check(
        handled.SequenceEqual(
        [
            "listener FD_ACCEPT", "client FD_CONNECT", "client FD_WRITE", "task WM_HOST", "server FD_WRITE",
            "server FD_READ", "server FD_READ", "server FD_READ", "client FD_READ", "client FD_CLOSE",
        ]),
        "one message per event, FD_READ re-enabled by each recv (ASY-2)");
    Claims.Check(host.HostEntry?.HostName == "localhost" && host.Length == 70, "the lookup filled the buffer: localhost, 70 B");
}

// ---- 2. Datagrams driven by their messages ----------------------------------------------------------------------
void DatagramSection()
{
    Console.WriteLine("2. Datagrams, driven by their window messages (ASY-1, ASY-2, DGM-1)");
    Console.WriteLine("   A SOCK_DGRAM socket bound on loopback asks for FD_READ and FD_WRITE: a datagram socket can always send,");
    Console.WriteLine("   so FD_WRITE is posted at once. A second datagram socket sends it three datagrams before the loop runs:");
    Console.WriteLine("   one FD_READ stands for all three, and each recvfrom re-enables it, so one more follows while any remain.");
    nuint receiver = Named(ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), "receiver");
    Claims.Check(ws2.bind(receiver, new IPEndPoint(IPAddress.Loopback, 0)) == 0, "bind(receiver, 127.0.0.1:0) returns 0");
    ws2.getsockname(receiver, out var address);
    Claims.Check(ws2.WSAAsyncSelect(receiver, window, WM_SOCKET, FD_READ | FD_WRITE) == 0, "WSAAsyncSelect(receiver, FD_READ | FD_WRITE) returns 0");
    Claims.Check(Describe(window.Messages).SequenceEqual(["receiver FD_WRITE"]), "FD_WRITE is posted at once: the datagram socket can send");

    nuint sender = Named(ws2.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), "sender");
    string[] datagrams = ["first", "second, longer", "3rd"];
    foreach (var text in datagrams)
    {
        int sent = ws2.sendto(sender, Encoding.ASCII.GetBytes(text), text.Length, 0, address);
        Claims.Check(sent == text.Length, $"sendto(\"{text}\") sends the datagram whole");
    }

    // The first sendto bound the sender to 0.0.0.0 and an ephemeral port (DGM-4); the receiver sees it from loopback.
    ws2.getsockname(sender, out var senderName);
    var senderAddress = new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)senderName!).Port);
    Console.WriteLine($"   The receiver is {address}; the sender, bound by its first sendto, is {senderName} (seen as {senderAddress}).");
    Console.WriteLine("   The queue before the loop:");
    PrintQueue(window.Messages);
    Claims.Check(
        Describe(window.Messages).SequenceEqual(["receiver FD_WRITE", "receiver FD_READ"]),
        "before the loop: FD_WRITE, then one FD_READ for three datagrams (not re-enabled yet, ASY-2)");

    var received = new List<string>();
    var sources = new List<EndPoint?>();
    var handled = Pump(message =>
    {
        switch (WSAGETSELECTEVENT(message.LParam))
        {
            case FD_WRITE:
                return "room to send; the other socket does the sending";
            case FD_READ:
                var buffer = new byte[64];
                var from = new SourceAddress();
                int n = ws2.recvfrom(receiver, buffer, buffer.Length, 0, from);
                received.Add(Encoding.ASCII.GetString(buffer, 0, Math.Max(n, 0)));
                sources.Add(from.EndPoint);
                string next = window.MessageCount > 0 ? "datagrams remain: FD_READ again" : "none left: no FD_READ";
                return $"recvfrom(64) = {n} \"{received[^1]}\" from {from.EndPoint}; {next}";
            default:
                return "?";
        }
    });

    Claims.Check(
        handled.SequenceEqual(["receiver FD_WRITE", "receiver FD_READ", "receiver FD_READ", "receiver FD_READ"]),
        "one FD_WRITE, then one FD_READ per recvfrom while datagrams remain: three in all (ASY-2)");
    Claims.Check(received.SequenceEqual(datagrams), "each recvfrom returned one datagram whole, in order: never merged or split (DGM-1)");
    Claims.Check(sources.All(source => senderAddress.Equals(source)), $"each datagram's source address is the sender's, {senderAddress}");
    int drained = ws2.recvfrom(receiver, new byte[64], 64, 0, null);
    Claims.Check(drained == SOCKET_ERROR && ws2.WSAGetLastError() == WSAEWOULDBLOCK && window.MessageCount == 0, "afterwards recvfrom gives WSAEWOULDBLOCK and the queue is empty");

    // That recvfrom re-enabled FD_READ too: the next datagram is posted at once.
    Claims.Check(ws2.sendto(sender, "later"u8.ToArray(), 5, 0, address) == 5, "sendto(\"later\") sends the datagram whole");
    Claims.Check(Describe(window.Messages).SequenceEqual(["receiver FD_READ"]), "a datagram arriving later posts FD_READ at once: the last recvfrom re-enabled it");
    bool taken = window.PeekMessage(out _); // the loop takes the message, then reads the datagram
    var later = new byte[64];
    int laterLength = ws2.recvfrom(receiver, later, later.Length, 0, null);
    Claims.Check(taken && laterLength == 5 && window.MessageCount == 0, "the loop takes that FD_READ, reads the datagram, and the queue is empty again");
    Console.WriteLine($"   Later a fourth datagram posts FD_READ at once; recvfrom = {laterLength} \"{Encoding.ASCII.GetString(later, 0, Math.Max(laterLength, 0))}\".");
    Console.WriteLine();
}

// ---- 3. What the final WSACleanup does to the window ------------------------------------------------------------
void CleanupSection()
{
    Console.WriteLine("3. The final WSACleanup (ASY-3, ASY-4, CLN-4)");
    Console.WriteLine("   The client sends once more and the server's FD_READ is left in the queue; a second lookup is made and");
    Console.WriteLine("   its time has not come. Then WSACleanup.");
    var (client, server) = (Find("client"), Find("server"));
    Claims.Check(ws2.send(client, "unread"u8.ToArray(), 6, 0) == 6, "the client's last send is taken whole");
    var pending = new HostEntBuffer();
    nint task = ws2.WSAAsyncGetHostByName(window, WM_HOST, "localhost", pending, MAXGETHOSTSTRUCT);
    names[(nuint)task] = $"task {task}";
    var before = window.Messages;
    Console.WriteLine("   The queue before WSACleanup:");
    PrintQueue(before);

    var steps = new Table("step", "returns", "WSA symbol", "queue", "note");
    int rc = ws2.WSACleanup();
    steps.Add("WSACleanup()", rc, ((WsaError)ws2.WSAGetLastError()).ToSymbol(), window.MessageCount, "sockets reset, the lookup cancelled");
    clock.Advance(TimeSpan.FromSeconds(10));
    steps.Add("10 s later", "-", "-", window.MessageCount, "the lookup's time has passed: nothing posted");
    int cancel = ws2.WSACancelAsyncRequest(task);
    int cancelError = ws2.WSAGetLastError();
    steps.Add($"WSACancelAsyncRequest({task})", cancel, ((WsaError)cancelError).ToSymbol(), window.MessageCount, "no session");
    ws2.WSAStartup(MAKEWORD(2, 2), out _);
    int again = ws2.WSACancelAsyncRequest(task);
    int againError = ws2.WSAGetLastError();
    steps.Add($"after WSAStartup: WSACancelAsyncRequest({task})", again, ((WsaError)againError).ToSymbol(), window.MessageCount, "the request is gone");
    int oldSocket = ws2.WSAAsyncSelect(server, window, WM_SOCKET, FD_READ);
    int oldSocketError = ws2.WSAGetLastError();
    steps.Add("WSAAsyncSelect(old server handle)", oldSocket, ((WsaError)oldSocketError).ToSymbol(), window.MessageCount, "stale handles never alias (CLN-10)");
    ws2.WSACleanup();
    steps.Print();

    Console.WriteLine("   The queue after WSACleanup:");
    PrintQueue(window.Messages);
    Claims.Check(Describe(before).SequenceEqual(["server FD_READ"]), "before the cleanup: the server's FD_READ waits in the queue");
    Claims.Check(rc == 0, "WSACleanup returns 0");
    Claims.Check(window.Messages.SequenceEqual(before), "the messages already queued stay; none is added (ASY-3)");
    Claims.Check(pending.HostEntry is null, "the cancelled lookup filled nothing (ASY-4)");
    Claims.Check(cancel == SOCKET_ERROR && cancelError == WSANOTINITIALISED, "WSACancelAsyncRequest after the cleanup gives WSANOTINITIALISED");
    Claims.Check(again == SOCKET_ERROR && againError == WSAEINVAL, "and after a new WSAStartup WSAEINVAL: the request no longer exists");
    Claims.Check(oldSocket == SOCKET_ERROR && oldSocketError == WSAENOTSOCK, "the old socket handle gives WSAENOTSOCK (CLN-10)");
    Console.WriteLine("   The final WSACleanup posts nothing: it resets the sockets without FD_CLOSE, and cancels the lookup");
    Console.WriteLine("   without its message. What was already in the queue is the application's to read.");
    Console.WriteLine();
}

// Runs the loop until the queue is empty, printing each message and what was done with it; gives "socket EVENT" per message.
List<string> Pump(Func<WindowMessage, string> handle)
{
    var log = new Table("#", "message", "wParam", "event / reply", "error", "what the loop did");
    var seen = new List<string>();
    int step = 0;
    while (window.PeekMessage(out var message))
    {
        string action = handle(message);
        var (what, error) = Reply(message);
        log.Add(++step, message.Message == WM_HOST ? "WM_HOST" : "WM_SOCKET", names.GetValueOrDefault(message.WParam, "?"), what, error, action);
        seen.Add(Describe([message])[0]);
    }

    Console.WriteLine("   The loop, message by message:");
    log.Print();
    return seen;
}

void PrintQueue(IReadOnlyList<WindowMessage> queue)
{
    var table = new Table("#", "message", "wParam", "lParam", "event / reply", "error");
    for (int i = 0; i < queue.Count; i++)
    {
        var (what, error) = Reply(queue[i]);
        table.Add(i + 1, queue[i].Message == WM_HOST ? "WM_HOST" : "WM_SOCKET", names.GetValueOrDefault(queue[i].WParam, "?"), $"0x{queue[i].LParam:X8}", what, error);
    }

    table.Print();
}

(string What, string Error) Reply(WindowMessage m) => m.Message == WM_HOST
    ? ($"buflen {WSAGETASYNCBUFLEN(m.LParam)}", m.AsyncError().ToSymbol())
    : ($"FD_{WSAGETSELECTEVENT(m.LParam).ToString().ToUpperInvariant()}", m.SelectError().ToSymbol());

List<string> Describe(IEnumerable<WindowMessage> queue) => [.. queue.Select(m => m.Message == WM_HOST
    ? $"task WM_HOST"
    : $"{names.GetValueOrDefault(m.WParam, "?")} FD_{WSAGETSELECTEVENT(m.LParam).ToString().ToUpperInvariant()}")];

nuint Named(nuint s, string name)
{
    Claims.Check(s != INVALID_SOCKET, $"{name}: a socket");
    names[s] = name;
    return s;
}

nuint Find(string name) => names.First(n => n.Value == name).Key;
