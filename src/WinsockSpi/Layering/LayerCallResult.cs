using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

/// <summary>The outcome of a call through a <see cref="LayeredProvider"/>, as its <see cref="ILayerInterceptor"/> sees it.</summary>
/// <param name="Error">The error returned to the caller; <see cref="WsaError.Success"/> on success (WSA_IO_PENDING for an overlapped call that pends).</param>
/// <param name="Forwarded">Whether the call reached the lower provider: false when refused by the interceptor or by the layer itself (for example WSANOTINITIALISED), and for a startup or cleanup that only moved the layer's own count (LSP-1).</param>
/// <param name="Bytes">The bytes a successful send, receive or overlapped-result call reports; 0 otherwise.</param>
/// <param name="NewSocket">The handle a successful socket, accept or duplicate call returns; default otherwise.</param>
public readonly record struct LayerCallResult(WsaError Error, bool Forwarded, int Bytes = 0, SocketHandle NewSocket = default);
