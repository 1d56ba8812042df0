namespace WinsockSpi.Layering;

/// <summary>
/// What a <see cref="LayeredProvider"/> does with the calls that pass through it: sees each call before and after it
/// is forwarded to the lower provider, may refuse one, and sees each upcall the lower provider makes through the
/// layer's own upcall table. This is the code a real layered service provider puts around its calls to the next
/// provider's proc table (Microsoft's layered-service-provider sample counts bytes there).
/// </summary>
/// <remarks>
/// <para>Members are called on the thread that made the call (or, for upcalls, the thread the provider notifies
/// on), with no lock of the layer held, except that <see cref="WspEntry.Startup"/> and <see cref="WspEntry.Cleanup"/>
/// calls of the lower provider run under the layer's lock: an interceptor of a lower layer must not block on another
/// thread that calls into the same chain. Implementations must be thread-safe.</para>
/// <para>All members have default implementations that observe nothing and refuse nothing.</para>
/// </remarks>
public interface ILayerInterceptor
{
    /// <summary>Called before the layer handles a call, including its own WSPStartup and WSPCleanup.</summary>
    /// <param name="layerCall">The call.</param>
    /// <returns>
    /// <see cref="WsaError.Success"/> to let the call through; any other code fails the call with it, without forwarding
    /// and without changing any count (a refused startup is a failed startup, STA-4).
    /// </returns>
    WsaError OnCalling(in LayerCall layerCall) => WsaError.Success;

    /// <summary>Called after the call has been handled, whether it was forwarded, refused or failed in the layer.</summary>
    /// <param name="layerCall">The call.</param>
    /// <param name="result">Its outcome, as returned to the caller.</param>
    void OnCalled(in LayerCall layerCall, in LayerCallResult result)
    {
    }

    /// <summary>Called when the lower provider makes an upcall through the layer's upcall table, before it is passed up (STA-7).</summary>
    /// <param name="upcall">The upcall.</param>
    void OnUpcall(in LayerUpcall upcall)
    {
    }
}
