using System.Net.Sockets;

namespace WinsockSpi.Operations;

/// <summary>
/// The completion routine of an overlapped send or receive (LPWSAOVERLAPPED_COMPLETION_ROUTINE). It is
/// queued to the thread that started the operation and runs when that thread waits alertably (OVL-4).
/// </summary>
/// <param name="error">The operation's outcome: <see cref="WsaError.Success"/>, or the error it failed with.</param>
/// <param name="bytesTransferred">The number of bytes transferred.</param>
/// <param name="overlapped">The overlapped object the operation was started with.</param>
/// <param name="flags">The flags of the completed receive.</param>
public delegate void CompletionRoutine(WsaError error, int bytesTransferred, WsaOverlapped overlapped, SocketFlags flags);
