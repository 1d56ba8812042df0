using WinsockSpi.Operations;
using WinsockSpi.Provider;

namespace WinsockSpi.Testing;

/// <summary>Sends and receives in a known state: data left unread, operations left pending.</summary>
public partial class SpiHarness
{
    /// <summary>Sends <paramref name="count"/> pattern bytes (<see cref="HarnessData.Pattern"/>) that the peer has not read yet; they must fit the buffers.</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="seed">Selects the pattern.</param>
    /// <returns>The bytes sent.</returns>
    /// <exception cref="HarnessAssertionException">The send did not take every byte at once.</exception>
    public byte[] SendUnread(SocketHandle s, int count, int seed = 1)
    {
        var data = HarnessData.Pattern(count, seed);
        var sent = RunBounded(() => Runtime.Send(s, data), "a send that should fit the buffers");
        if (!sent.IsSuccess || sent.Value != count)
        {
            throw new HarnessAssertionException(Failure($"Expected the send to take all {count} bytes at once; it gave {sent.Error.ToSymbol()} with {sent.Value} bytes."));
        }

        return data;
    }

    /// <summary>Starts an overlapped receive (WSPRecv) that must pend: no data is waiting.</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="size">The receive buffer's size.</param>
    /// <param name="ev">The event of the new overlapped object; none when null.</param>
    /// <param name="routine">A completion routine; none when null.</param>
    /// <returns>The pending operation's overlapped object.</returns>
    /// <exception cref="HarnessAssertionException">The receive did not give <c>WSA_IO_PENDING</c>.</exception>
    public WsaOverlapped PendReceive(SocketHandle s, int size = 16, WsaEvent? ev = null, CompletionRoutine? routine = null)
    {
        var ov = new WsaOverlapped(ev);
        var error = Runtime.Receive(s, new byte[size], ov, routine).Error;
        return error == WsaError.IOPending
            ? ov
            : throw new HarnessAssertionException(Failure($"Expected the receive to pend (WSA_IO_PENDING); it gave {error.ToSymbol()}."));
    }

    /// <summary>Starts an overlapped send (WSPSend) that must pend: the connection's buffers are full.</summary>
    /// <param name="s">A connected socket.</param>
    /// <param name="data">The bytes to send.</param>
    /// <param name="ev">The event of the new overlapped object; none when null.</param>
    /// <param name="routine">A completion routine; none when null.</param>
    /// <returns>The pending operation's overlapped object.</returns>
    /// <exception cref="HarnessAssertionException">The send did not give <c>WSA_IO_PENDING</c>.</exception>
    public WsaOverlapped PendSend(SocketHandle s, byte[] data, WsaEvent? ev = null, CompletionRoutine? routine = null)
    {
        var ov = new WsaOverlapped(ev);
        var error = Runtime.Send(s, data, ov, routine).Error;
        return error == WsaError.IOPending
            ? ov
            : throw new HarnessAssertionException(Failure($"Expected the send to pend (WSA_IO_PENDING); it gave {error.ToSymbol()}."));
    }

    /// <summary>
    /// Makes the socket non-blocking (FIONBIO), fills the connection's buffers with pattern bytes until a send would block,
    /// then starts an overlapped send that pends (OVL-9). The socket stays non-blocking.
    /// </summary>
    /// <param name="s">A connected socket whose peer reads nothing.</param>
    /// <param name="size">The bytes of the pending send.</param>
    /// <param name="ev">The event of the new overlapped object; none when null.</param>
    /// <returns>The pending operation's overlapped object.</returns>
    /// <exception cref="HarnessAssertionException">The buffers could not be filled, or the send did not pend.</exception>
    public WsaOverlapped FillAndPendSend(SocketHandle s, int size = 16, WsaEvent? ev = null)
    {
        var r = Runtime.SetBlocking(s, false);
        if (!r.IsSuccess)
        {
            throw new HarnessAssertionException(Failure($"Expected FIONBIO to succeed; it gave {r.Error.ToSymbol()}."));
        }

        var chunk = HarnessData.Pattern(16 * 1024);
        while (Runtime.Send(s, chunk) is { IsSuccess: true, Value: > 0 })
        {
        }

        return PendSend(s, HarnessData.Pattern(size, seed: 2), ev);
    }
}
