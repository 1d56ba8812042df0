namespace WinsockSpi.Provider;

/// <summary>
/// The provider's closed sockets kept for reuse, so that WSPSocket after WSPCloseSocket allocates nothing. Used under the
/// provider's lock. An array of the sealed socket type rather than a <see cref="Stack{T}"/>: a store into it needs no
/// array-covariance check, and nothing counts versions for enumerators it never has (the WSPSocket + WSPCloseSocket
/// pair pays for each, issue 8).
/// </summary>
internal sealed class SocketPool
{
    private ProviderSocket[] _sockets = new ProviderSocket[4];
    private int _count;

    /// <summary>Gets the number of pooled sockets.</summary>
    public int Count => _count;

    /// <summary>Keeps a released socket for reuse.</summary>
    public void Push(ProviderSocket socket)
    {
        if (_count == _sockets.Length)
        {
            Array.Resize(ref _sockets, _count * 2);
        }

        _sockets[_count++] = socket;
    }

    /// <summary>Takes the socket pooled last, if any.</summary>
    public bool TryPop([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProviderSocket? socket)
    {
        if (_count == 0)
        {
            socket = null;
            return false;
        }

        socket = _sockets[--_count];
        _sockets[_count] = null!; // not kept alive by the pool once handed out
        return true;
    }
}
