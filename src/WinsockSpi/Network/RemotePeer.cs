using System.Net;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// The far end of a connection, driven by the test harness: it writes what the socket will receive,
/// reads what the socket sent, and closes (FIN) or resets (RST) when the test says so.
/// </summary>
/// <remarks>
/// Nothing happens on its own: every byte moves when the harness calls <see cref="Write"/> or
/// <see cref="Read"/>, so every socket state is reached deterministically. Reading opens room in the
/// socket's send buffer and completes pending sends in order (OVL-9); writing completes pending
/// receives (OVL-5). Thread-safe.
/// </remarks>
public sealed class RemotePeer
{
    private readonly ConnectionEnd _end;

    internal RemotePeer(ConnectionEnd end) => _end = end;

    /// <summary>Gets the peer's end of the connection (for tests that must move bytes without signalling the socket).</summary>
    internal ConnectionEnd End => _end;

    /// <summary>Gets the peer's own endpoint.</summary>
    public EndPoint LocalEndPoint => _end.LocalEndPoint;

    /// <summary>Gets the socket's endpoint.</summary>
    public EndPoint RemoteEndPoint => _end.RemoteEndPoint;

    /// <summary>Gets what the peer has seen of the connection.</summary>
    public PeerState State
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Connection.IsReset ? PeerState.Reset
                    : _end.Inbound.IsEndOfStream ? PeerState.FinReceived
                    : PeerState.Open;
            }
        }
    }

    /// <summary>
    /// Gets the error the peer's own socket would report: <see cref="WsaError.ConnectionReset"/> once the far
    /// side reset the connection (CLS-5, CLN-6, PRC-2), otherwise <see cref="WsaError.Success"/>.
    /// </summary>
    public WsaError LastError
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.ResetByOther ? WsaError.ConnectionReset : WsaError.Success;
            }
        }
    }

    /// <summary>Gets whether the far side's FIN is queued behind data the peer has not read yet.</summary>
    public bool FinPending
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Inbound.Fin && _end.Inbound.Count > 0 && !_end.Connection.IsReset;
            }
        }
    }

    /// <summary>Gets the bytes sent by the socket that the peer can read now.</summary>
    public int Available
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Inbound.Count;
            }
        }
    }

    /// <summary>Gets the bytes the peer has read.</summary>
    public long BytesReceived
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Inbound.TotalRead;
            }
        }
    }

    /// <summary>Gets the bytes the peer has written.</summary>
    public long BytesSent
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Outbound.TotalWritten;
            }
        }
    }

    /// <summary>Gets how many bytes <see cref="Write"/> would accept now (room in the socket's receive side).</summary>
    public int WriteRoom
    {
        get
        {
            using (_end.Connection.Gate.Enter())
            {
                return _end.Outbound.Room;
            }
        }
    }

    /// <summary>Sends bytes to the socket, as many as its receive side has room for.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The bytes accepted: fewer than given when the buffer is full, 0 after a reset or after <see cref="Close"/>.</returns>
    public int Write(ReadOnlySpan<byte> data)
    {
        int written;
        using (_end.Connection.Gate.Enter())
        {
            written = _end.Outbound.Write(data);
        }

        Action("Write", written);

        if (written > 0)
        {
            _end.Other.Signal();
        }

        return written;
    }

    /// <summary>Reads bytes the socket sent.</summary>
    /// <param name="buffer">Where to put them.</param>
    /// <returns>The bytes read; 0 when none are waiting (see <see cref="State"/> for end of stream or reset).</returns>
    public int Read(Span<byte> buffer)
    {
        int read;
        using (_end.Connection.Gate.Enter())
        {
            read = _end.Inbound.Read(buffer);
        }

        Action("Read", read);

        if (read > 0)
        {
            _end.Other.Signal();
        }

        return read;
    }

    /// <summary>Reads every byte waiting now.</summary>
    /// <returns>The bytes (empty when none wait).</returns>
    public byte[] ReadAvailable()
    {
        byte[] data;
        using (_end.Connection.Gate.Enter())
        {
            data = new byte[_end.Inbound.Count];
            _end.Inbound.Read(data);
        }

        Action("Read", data.Length);

        if (data.Length > 0)
        {
            _end.Other.Signal();
        }

        return data;
    }

    /// <summary>Closes the peer's sending side gracefully (FIN): the socket reads the data already written, then end of stream (OVL-8).</summary>
    public void Close()
    {
        Action("Close", null);
        if (_end.Connection.FinFrom(_end))
        {
            _end.Other.Signal();
        }
    }

    /// <summary>Resets the connection (RST): pending receives on the socket fail with WSAECONNRESET (OVL-8).</summary>
    public void Reset()
    {
        Action("Reset", null);
        if (_end.Connection.ResetFrom(_end))
        {
            _end.Other.Signal();
        }
    }

    /// <summary>Shows the endpoints and state.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"peer {LocalEndPoint} <-> {RemoteEndPoint} ({State})";

    /// <summary>Names the peer in traces: its endpoint and the socket's.</summary>
    internal string Describe() => $"{LocalEndPoint} <-> {RemoteEndPoint}";

    private void Action(string name, long? bytes)
    {
        if (_end.Connection.Network.Recorder is { } recorder)
        {
            recorder.Record(TraceEventKind.Peer, name, 0, 0, null, null, bytes, Describe());
        }
    }
}
