using System.Net;

namespace WinsockSpi.Sockets;

/// <summary>
/// Where a datagram receive writes the source address of the message it took: the <c>lpFrom</c> buffer of WSPRecvFrom
/// (DGM-1). Owned by the caller and reusable; for an overlapped receive it is written when the operation completes, so
/// read it after the notification, as the C buffer.
/// </summary>
/// <remarks>Not thread-safe: one operation at a time writes it, as one <c>lpFrom</c> buffer serves one call.</remarks>
public sealed class SourceAddress
{
    /// <summary>Gets the source of the last message received into this object, or <see langword="null"/> before any.</summary>
    public EndPoint? EndPoint { get; internal set; }

    /// <summary>Forgets the address, to reuse the object.</summary>
    public void Clear() => EndPoint = null;

    /// <summary>Shows the address.</summary>
    /// <returns>The address, or "(none)".</returns>
    public override string ToString() => EndPoint?.ToString() ?? "(none)";
}
