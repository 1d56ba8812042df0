using Microsoft.Coyote.SystematicTesting;
using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Coyote;

/// <summary>
/// A user's own code under Coyote (docs/coyote.md, "Testing your own code"): a small reading client, written as an
/// application would write it, raced against the simulator. Its reader thread waits for a receive to complete and posts
/// the next one unless the client is stopping; <c>Stop</c> marks the client stopping and closes the socket. The main
/// thread receives the server's last byte (the simulator delivers its completion on that thread) and stops the client.
/// Coyote explores the interleavings of the two threads with the simulator's own steps.
/// </summary>
public static class UserCodeScenarios
{
    /// <summary>
    /// The client as first written: the reader checks the flag, then posts. Coyote finds the schedule where
    /// <c>Stop</c> closes the socket between the two (the repost fails with WSAENOTSOCK), and replays it on demand.
    /// .ci/coyote expects this bug: the run passes only when it is found and its trace reproduces it.
    /// </summary>
    [Test]
    public static async Task UserCode_ReaderRepostsWhileClosing_Unguarded() => await Race(guarded: false);

    /// <summary>The fixed client: the check and the repost happen under the client's own lock, which <c>Stop</c> takes to set the flag.</summary>
    [Test]
    public static async Task UserCode_ReaderRepostsWhileClosing_Guarded() => await Race(guarded: true);

    private static async Task Race(bool guarded)
    {
        var h = new ScenarioHarness();
        var s = h.Connect(out var peer);
        var client = new ReadingClient(h.Runtime, s, guarded);

        // The application's reader thread, and its main thread: the server's last byte arrives, and the application
        // shuts the client down. The peer's write delivers the completion on the main thread, so the close races it.
        var reader = Task.Run(client.ReadOnce);
        var main = Task.Run(() =>
        {
            peer.Write("x"u8);
            client.Stop();
        });
        await Check.All([reader, main]);

        Check.That(h.Runtime.Sockets.Count == 0, "The client's socket is still open after Stop.");
        h.Runtime.ValidateInvariants();
    }

    /// <summary>The user's client: one pending receive at a time, reposted by the reader until the client stops.</summary>
    private sealed class ReadingClient
    {
        private readonly ProviderRuntime _runtime;
        private readonly SocketHandle _socket;
        private readonly bool _guarded;
        private readonly object _gate = new();
        private readonly WsaOverlapped _first;
        private readonly List<byte> _received = [];
        private readonly byte[] _buffer = new byte[1];
        private volatile bool _stopping;

        public ReadingClient(ProviderRuntime runtime, SocketHandle socket, bool guarded)
        {
            _runtime = runtime;
            _socket = socket;
            _guarded = guarded;
            _first = new WsaOverlapped(new WsaEvent());
            var result = runtime.Receive(socket, _buffer, _first);
            Check.That(result.Error == WsaError.IOPending, $"The first receive did not pend: {result}.");
        }

        /// <summary>The reader thread: waits for the receive, then posts the next one unless the client is stopping.</summary>
        public void ReadOnce()
        {
            _first.Event!.Wait(Timeout.InfiniteTimeSpan);
            if (_first.Status != OperationStatus.Completed)
            {
                return; // aborted by Stop's close: nothing more to read
            }

            if (_guarded)
            {
                lock (_gate)
                {
                    if (!_stopping)
                    {
                        Consume();
                        Repost();
                    }
                }
            }
            else if (!_stopping)
            {
                // The bug: Stop may set the flag and close the socket anywhere from here to the repost.
                Consume();
                Repost();
            }
        }

        /// <summary>Stops the client: marks it stopping, then closes its socket (aborting a pending receive).</summary>
        public void Stop()
        {
            if (_guarded)
            {
                lock (_gate)
                {
                    _stopping = true;
                }
            }
            else
            {
                _stopping = true;
            }

            var result = _runtime.CloseSocket(_socket);
            Check.That(result.IsSuccess, $"Stop: closesocket failed with {result}.");
        }

        /// <summary>Keeps what the receive brought (the client's own bookkeeping, under its own lock).</summary>
        private void Consume()
        {
            lock (_received)
            {
                _received.Add(_buffer[0]);
            }
        }

        private void Repost()
        {
            var next = new WsaOverlapped(new WsaEvent());
            var result = _runtime.Receive(_socket, _buffer, next);
            Check.That(
                result.Error == WsaError.IOPending || result.IsSuccess,
                $"User code: reposting the receive failed with {result.Error.ToSymbol()}: Stop closed the socket between the reader's check and its repost.");
        }
    }
}
