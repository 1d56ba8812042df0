using WinsockSpi.Operations;

namespace WinsockSpi.Layering;

/// <summary>An upcall made by the provider below a <see cref="LayeredProvider"/> through the layer's upcall table.</summary>
/// <param name="Layer">The layer whose upcall table was called.</param>
/// <param name="Kind">Which upcall.</param>
/// <param name="Overlapped">The operation the upcall makes known, when there is one.</param>
/// <param name="Error">The operation's outcome (for example <see cref="WsaError.OperationAborted"/> after a close, CLS-2); <see cref="WsaError.Success"/> otherwise.</param>
/// <param name="Bytes">The bytes the operation transferred; 0 otherwise.</param>
/// <param name="ThreadId">The thread an APC is queued to; the calling thread otherwise.</param>
public readonly record struct LayerUpcall(LayeredProvider Layer, LayerUpcallKind Kind, WsaOverlapped? Overlapped, WsaError Error, int Bytes, int ThreadId);
