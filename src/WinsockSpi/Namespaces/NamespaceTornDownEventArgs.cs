namespace WinsockSpi.Namespaces;

/// <summary>The data of <see cref="NamespaceProvider.TornDown"/>: the final NSPCleanup of one namespace provider id (NSP-1).</summary>
/// <param name="providerId">The namespace provider id that was torn down.</param>
/// <param name="teardownCount">How many times that id has been torn down, this one included.</param>
public sealed class NamespaceTornDownEventArgs(Guid providerId, int teardownCount) : EventArgs
{
    /// <summary>Gets the namespace provider id that was torn down.</summary>
    public Guid ProviderId { get; } = providerId;

    /// <summary>Gets how many times that id has been torn down, this one included.</summary>
    public int TeardownCount { get; } = teardownCount;
}
