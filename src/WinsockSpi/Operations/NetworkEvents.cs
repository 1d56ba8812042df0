namespace WinsockSpi.Operations;

/// <summary>Network events selected with WSPEventSelect and read with WSPEnumNetworkEvents (SEL-1). Values follow the FD_* bits.</summary>
[Flags]
public enum NetworkEvents
{
    /// <summary>No event; as a mask, removes the association.</summary>
    None = 0,

    /// <summary>FD_READ: data can be received.</summary>
    Read = 1 << 0,

    /// <summary>FD_WRITE: data can be sent.</summary>
    Write = 1 << 1,

    /// <summary>FD_OOB: out-of-band data (never recorded by the simulator).</summary>
    OutOfBand = 1 << 2,

    /// <summary>FD_ACCEPT: a connection waits to be accepted.</summary>
    Accept = 1 << 3,

    /// <summary>FD_CONNECT: a connection attempt completed.</summary>
    Connect = 1 << 4,

    /// <summary>FD_CLOSE: the peer closed (gracefully, or by a reset with error WSAECONNRESET).</summary>
    Close = 1 << 5,

    /// <summary>Every event the simulator records.</summary>
    All = Read | Write | OutOfBand | Accept | Connect | Close,
}
