using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Ws2;

/// <summary>
/// The WSADATA that WSAStartup fills in, even when it fails (WS2-1). Members keep their C names so that code written
/// against winsock2.h reads the same.
/// </summary>
/// <param name="wVersion">The version the caller is expected to use (MAKEWORD: low byte major, high byte minor).</param>
/// <param name="wHighVersion">The highest version the Ws2 layer supports: always 2.2 (0x0202).</param>
/// <param name="szDescription">The implementation's description: <c>"WinSock 2.0"</c>, as Windows reports it.</param>
/// <param name="szSystemStatus">The status: <c>"Running"</c>, as Windows reports it.</param>
[SuppressMessage("Naming", "CA1707", Justification = "The members keep the names of the C structure WSADATA.")]
public readonly record struct WsaData(ushort wVersion, ushort wHighVersion, string szDescription, string szSystemStatus)
{
    /// <summary>
    /// Gets iMaxSockets: 32,767 for a 1.x request, as Windows reports it; 0 for 2.x, whose applications must ignore it.
    /// </summary>
    public ushort iMaxSockets { get; init; }

    /// <summary>Gets iMaxUdpDg: 65,467 for a 1.x request, as Windows reports it; 0 for 2.x.</summary>
    public ushort iMaxUdpDg { get; init; }

    /// <summary>Gets lpVendorInfo: <see langword="null"/>, as Windows leaves it (applications must ignore it).</summary>
    public string? lpVendorInfo { get; init; }

    /// <summary>Gets <see cref="wVersion"/> as a version.</summary>
    public WinsockVersion Version => WinsockVersion.FromWord(wVersion);

    /// <summary>Gets <see cref="wHighVersion"/> as a version.</summary>
    public WinsockVersion HighVersion => WinsockVersion.FromWord(wHighVersion);

    /// <summary>Shows the versions, description and status.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"wVersion={Version} wHighVersion={HighVersion} \"{szDescription}\" \"{szSystemStatus}\"";
}
