namespace WinsockSpi.Network;

/// <summary>Told when a message arrives at a <see cref="DatagramEndpoint"/>.</summary>
internal interface IDatagramListener
{
    /// <summary>
    /// Takes an arrival, or a release of held sends, into account. Called with no network lock held; may take the
    /// listener's own lock. An arrival is signalled after the message is queued and after a full fence
    /// (<see cref="SimulatedNetwork.SendDatagram"/> counts the delivery with an interlocked increment), so a listener may
    /// read, without its lock, a flag that its waiters publish (with a full fence) before they look at the queue.
    /// </summary>
    /// <param name="endpoint">The endpoint a message arrived at; for a release, the sending endpoint.</param>
    /// <param name="sendsReleased">
    /// <see langword="true"/> when the network let held sends go (<see cref="SimulatedNetwork.HoldDatagrams"/> set false):
    /// the sends the endpoint's owner queued may go now, and no message arrived.
    /// </param>
    void OnDatagramArrived(DatagramEndpoint endpoint, bool sendsReleased);
}
