using WinsockSpi.Operations;
using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

/// <summary>A call that reaches a <see cref="LayeredProvider"/>, as its <see cref="ILayerInterceptor"/> sees it.</summary>
/// <param name="Layer">The layer the call reached.</param>
/// <param name="Entry">The proc-table entry called.</param>
/// <param name="Socket">The socket handle the call names; default for calls without one (startup, cleanup, socket creation).</param>
/// <param name="Length">The buffer length of a send or receive; 0 otherwise.</param>
/// <param name="Overlapped">The overlapped object of an overlapped call; <see langword="null"/> otherwise.</param>
public readonly record struct LayerCall(LayeredProvider Layer, WspEntry Entry, SocketHandle Socket, int Length, WsaOverlapped? Overlapped);
