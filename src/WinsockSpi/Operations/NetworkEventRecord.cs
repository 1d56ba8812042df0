namespace WinsockSpi.Operations;

/// <summary>The result of WSPEnumNetworkEvents: the events recorded since the last call, with their error codes.</summary>
/// <param name="Events">The recorded events (lNetworkEvents).</param>
/// <param name="ReadError">The error of FD_READ.</param>
/// <param name="WriteError">The error of FD_WRITE.</param>
/// <param name="AcceptError">The error of FD_ACCEPT.</param>
/// <param name="ConnectError">The error of FD_CONNECT.</param>
/// <param name="CloseError">The error of FD_CLOSE: <see cref="WsaError.ConnectionReset"/> after a reset, <see cref="WsaError.Success"/> after a graceful close.</param>
public readonly record struct NetworkEventRecord(
    NetworkEvents Events,
    WsaError ReadError = WsaError.Success,
    WsaError WriteError = WsaError.Success,
    WsaError AcceptError = WsaError.Success,
    WsaError ConnectError = WsaError.Success,
    WsaError CloseError = WsaError.Success);
