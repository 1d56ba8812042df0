namespace WinsockSpi.Network;

/// <summary>Told when an end's inbound data, FIN, reset, or outbound room changes.</summary>
internal interface IConnectionListener
{
    /// <summary>Re-examines the end. Called with no connection lock held; may take the listener's own lock.</summary>
    void OnConnectionChanged(ConnectionEnd end);
}
