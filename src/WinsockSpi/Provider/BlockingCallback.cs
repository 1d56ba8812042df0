namespace WinsockSpi.Provider;

/// <summary>
/// The client's blocking hook (LPBLOCKINGCALLBACK, from WPUQueryBlockingCallback), called periodically on a
/// thread blocked in the provider (BLK-2). It may call <see cref="ProviderRuntime.CancelBlockingCall"/> or even
/// <see cref="ProviderRuntime.Cleanup"/> (CLN-12).
/// </summary>
/// <returns>
/// <see langword="true"/> to keep waiting; <see langword="false"/> when the blocking operation has been cancelled
/// (the WPUQueryBlockingCallback reference page: "FALSE if the blocking operation has been canceled with
/// WSPCancelBlockingCall"). The provider then ends the call with WSAEINTR, as if the hook had called
/// <see cref="ProviderRuntime.CancelBlockingCall"/>.
/// </returns>
public delegate bool BlockingCallback();
