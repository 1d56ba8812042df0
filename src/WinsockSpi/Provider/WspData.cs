namespace WinsockSpi.Provider;

/// <summary>The WSPDATA a successful WSPStartup fills in (STA-2, STA-3).</summary>
/// <param name="Version">wVersion: the version the caller is expected to use, min(highest supported, requested).</param>
/// <param name="HighVersion">wHighVersion: the highest version the provider supports.</param>
/// <param name="Description">szDescription: at most 255 characters.</param>
public readonly record struct WspData(WinsockVersion Version, WinsockVersion HighVersion, string Description)
{
    /// <summary>Shows the versions and description.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"wVersion={Version} wHighVersion={HighVersion} \"{Description}\"";
}
