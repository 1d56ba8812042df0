using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Ws2;

namespace WinsockSpi.Samples;

/// <summary>
/// The rows of the close-versus-cleanup table that a window receives (SEMANTICS.md ASY-3, ASY-4): a socket selected with
/// WSPAsyncSelect, and an asynchronous host lookup of the process's ws2_32 still pending. Prepared on the same provider
/// as the other rows, torn down by the same closesocket or final cleanup, then described and checked.
/// </summary>
internal sealed class WindowRows : IDisposable
{
    /// <summary>The message number of network events (WM_USER + 1).</summary>
    private const int WmSocket = 0x0401;

    /// <summary>The message number of the lookup (WM_USER + 2).</summary>
    private const int WmHost = 0x0402;

    private readonly ProviderRuntime _runtime;
    private readonly SimulatedWindow _window;
    private readonly FakeTimeProvider _clock = new();
    private readonly Ws2Api _ws2;
    private readonly HostEntBuffer _host = new();
    private readonly SocketHandle _socket;
    private readonly RemotePeer _peer;
    private readonly nint _task;
    private readonly int _queuedBefore;

    /// <summary>Gets the situations, as the table names them.</summary>
    public static readonly string[] Situations =
    [
        "8. window message (WSAAsyncSelect)",
        "9. asynchronous request pending",
    ];

    /// <summary>
    /// 8. A connected socket selected for FD_READ and FD_CLOSE, with one FD_READ message already in the window's queue.
    /// 9. WSAAsyncGetHostByName("localhost") made through the process's ws2_32; its clock does not move until the
    /// teardown is done, so the request is still pending when it happens.
    /// </summary>
    public WindowRows(ProviderRuntime runtime, PeerListener listener)
    {
        _runtime = runtime;
        _window = new SimulatedWindow(runtime.Process);
        _socket = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        runtime.Connect(_socket, listener.EndPoint).ThrowIfFailed();
        _peer = listener.Accept();
        runtime.AsyncSelect(_socket, _window, WmSocket, NetworkEvents.Read | NetworkEvents.Close).ThrowIfFailed();
        _peer.Write("queued"u8);
        _queuedBefore = _window.MessageCount;

        _ws2 = new Ws2Api(new Ws2ApiOptions { Process = runtime.Process, TimeProvider = _clock });
        if (_ws2.WSAStartup(Ws2Constants.MAKEWORD(2, 2), out _) != 0)
        {
            throw new InvalidOperationException("WSAStartup failed.");
        }

        _task = _ws2.WSAAsyncGetHostByName(_window, WmHost, "localhost", _host, Ws2Constants.MAXGETHOSTSTRUCT);
    }

    /// <summary>Unloads the process's ws2_32 (its session has ended already, in either set).</summary>
    public void Dispose() => _ws2.Dispose();

    /// <summary>The closesocket set: the selected socket is closed; the lookup belongs to no socket, so nothing touches it.</summary>
    public SpiResult CloseSocket() => _runtime.CloseSocket(_socket);

    /// <summary>The final-cleanup set: the process's final WSACleanup (the provider's own final cleanup runs in the program).</summary>
    public int FinalWSACleanup() => _ws2.WSACleanup();

    /// <summary>After the teardown: the peer writes and closes, the lookup's time comes; then the two rows are described and checked.</summary>
    public (string Notified, string Status, string Peer, string Delivered)[] Describe(bool finalCleanup, string set)
    {
        var queued = _window.Messages;
        string peerSaw = $"{_peer.State}, {_peer.LastError.ToSymbol()}";
        int written = _peer.Write("after the teardown"u8);
        _peer.Close();
        _clock.Advance(Ws2Api.DefaultAsyncRequestDelay);
        var after = _window.Messages;
        var socketMessages = after.Where(m => m.Message == WmSocket).ToList();
        var hostMessages = after.Where(m => m.Message == WmHost).ToList();

        Claims.Check(_queuedBefore == 1 && queued.Count == 1 && queued[0].SelectEvent() == NetworkEvents.Read,
            $"8/{set}: the FD_READ posted before the teardown stays in the window's queue (ASY-3)");
        Claims.Check(socketMessages.Count == 1,
            $"8/{set}: no message for the socket after " + (finalCleanup ? "the final cleanup (ASY-3, CLN-9)" : "it is closed (ASY-3, CLS-3)"));
        Claims.Check(finalCleanup ? written == 0 && _peer.State == PeerState.Reset : written > 0,
            $"8/{set}: the peer " + (finalCleanup ? "sees the reset of the final cleanup (CLN-6)" : "sees a graceful close (CLS-4)"));
        var row6 = (
            $"{queued.Count} FD_READ queued before, {socketMessages.Count - queued.Count} after (queue kept)",
            "-",
            peerSaw,
            written == 0 ? "peer.Write gives 0: reset" : $"peer wrote {written} B + FIN: no FD_READ, no FD_CLOSE");

        int cancel = _ws2.WSACancelAsyncRequest(_task);
        int cancelError = _ws2.WSAGetLastError();
        if (finalCleanup)
        {
            Claims.Check(hostMessages.Count == 0 && _host.HostEntry is null,
                $"9/{set}: the final WSACleanup cancels the lookup: no message, no answer (ASY-4)");
            Claims.Check(cancel == Ws2Constants.SOCKET_ERROR && cancelError == Ws2Constants.WSANOTINITIALISED,
                $"9/{set}: WSACancelAsyncRequest afterwards gives WSANOTINITIALISED");
        }
        else
        {
            Claims.Check(hostMessages.Count == 1 && hostMessages[0].AsyncError() == WsaError.Success && _host.HostEntry?.HostName == "localhost",
                $"9/{set}: closesocket leaves the lookup alone: it completes with one message (ASY-4)");
            Claims.Check(cancel == Ws2Constants.SOCKET_ERROR && cancelError == Ws2Constants.WSAEINVAL,
                $"9/{set}: WSACancelAsyncRequest of the completed request gives WSAEINVAL");
            _ws2.WSACleanup();
        }

        var row7 = (
            hostMessages.Count == 0 ? "no message" : $"1 message: {hostMessages[0].AsyncBufferLength()} B, {hostMessages[0].AsyncError().ToSymbol()}",
            finalCleanup ? "cancelled without a message" : $"completed: {_host.HostEntry?.HostName} {string.Join(",", _host.HostEntry?.AddressList ?? Array.Empty<IPAddress>())}",
            "-",
            $"WSACancelAsyncRequest after: {((WsaError)cancelError).ToSymbol()}");
        return [row6, row7];
    }
}
