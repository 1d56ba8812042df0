namespace WinsockSpi.Network;

/// <summary>Whatever listens at an endpoint: a harness <see cref="PeerListener"/> or a listening socket.</summary>
internal interface IListenerTarget
{
    /// <summary>Gets the send buffer size of connections accepted here.</summary>
    int SendBufferSize { get; }

    /// <summary>Takes a new connection into the backlog. Called with no lock held.</summary>
    /// <returns>Whether it was taken; false means refused (WSAECONNREFUSED).</returns>
    bool Offer(Connection connection);
}
