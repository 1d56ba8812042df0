using System.Net;

namespace WinsockSpi.Network;

/// <summary>A message a <see cref="DatagramPeer"/> read: its bytes and the address it came from.</summary>
/// <param name="Data">The bytes.</param>
/// <param name="Source">The source address.</param>
public sealed record DatagramMessage(byte[] Data, EndPoint Source);
