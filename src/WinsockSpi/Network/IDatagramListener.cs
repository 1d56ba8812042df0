namespace WinsockSpi.Network;

/// <summary>Told when a message arrives at a <see cref="DatagramEndpoint"/>.</summary>
internal interface IDatagramListener
{
    /// <summary>Takes the arrival into account. Called with no network lock held; may take the listener's own lock.</summary>
    /// <param name="endpoint">The endpoint a message arrived at.</param>
    void OnDatagramArrived(DatagramEndpoint endpoint);
}
