namespace WinsockSpi.Provider;

/// <summary>
/// The client's blocking hook (LPBLOCKINGCALLBACK, from WPUQueryBlockingCallback), called periodically on a
/// thread blocked in the provider (BLK-2). It may call <see cref="ProviderRuntime.CancelBlockingCall"/> or even
/// <see cref="ProviderRuntime.Cleanup"/> (CLN-12).
/// </summary>
/// <returns><see langword="true"/> to keep waiting; <see langword="false"/> to cancel the call (it returns WSAEINTR).</returns>
public delegate bool BlockingCallback();
