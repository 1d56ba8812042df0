using System.Runtime.CompilerServices;

namespace WinsockSpi.Ws2;

// WSAStartup without a WSADATA and the complete WSADATA (WS2-1).
public sealed partial class Ws2Api
{
    /// <summary>iMaxSockets as Windows reports it for a 1.x request.</summary>
    private const ushort MaxSockets1x = 32767;

    /// <summary>iMaxUdpDg as Windows reports it for a 1.x request.</summary>
    private const ushort MaxUdpDg1x = 65467;

    /// <summary>
    /// WSAStartup with lpWSAData possibly NULL: <paramref name="lpWSAData"/> is the pointer, <see langword="null"/> for a
    /// NULL one (WS2-1). With a box, as <see cref="WSAStartup(ushort, out WsaData)"/>, the data going into the box.
    /// </summary>
    /// <param name="wVersionRequested">The highest version the caller can use.</param>
    /// <param name="lpWSAData">Where the data goes, or <see langword="null"/> for a NULL pointer.</param>
    /// <returns>
    /// As <see cref="WSAStartup(ushort, out WsaData)"/>; with a NULL pointer: WSAVERNOTSUPPORTED (10092) for major version
    /// 0, otherwise WSAEFAULT (10014), as Windows returns them; the count is unchanged and nothing is filled.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The process has terminated, or the layer was disposed.</exception>
    public int WSAStartup(ushort wVersionRequested, StrongBox<WsaData>? lpWSAData)
    {
        if (lpWSAData is not null)
        {
            int result = WSAStartup(wVersionRequested, out var data);
            lpWSAData.Value = data;
            return result;
        }

        ObjectDisposedException.ThrowIf(Process.IsTerminated, Process);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var requested = WinsockVersion.FromWord(wVersionRequested);
        var error = requested.Major == 0 ? WsaError.VersionNotSupported : WsaError.Fault;
        SetLastError(WsaError.NotInitialized);
        Ws2Log.StartupFailed(_logger, requested, error);
        return (int)error;
    }

    /// <summary>The WSADATA for a negotiated version: iMaxSockets and iMaxUdpDg are Windows' 1.x values, 0 for 2.x.</summary>
    private static WsaData FillData(WinsockVersion version) => new(version.ToWord(), s_highest.ToWord(), Description, SystemStatus)
    {
        iMaxSockets = version.Major == 1 ? MaxSockets1x : (ushort)0,
        iMaxUdpDg = version.Major == 1 ? MaxUdpDg1x : (ushort)0,
    };
}
