using System.Net;
using WinsockSpi.Tracing;

namespace WinsockSpi.Network;

/// <summary>
/// The simulated transport shared by every provider and process attached to it. Connections belong to it, so
/// data handed to it is delivered even after the sending provider is cleaned up or its process dies
/// (CLN-7, CLN-8, PRC-2).
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed partial class SimulatedNetwork
{
    private const int FirstEphemeralPort = 49152;

    private readonly Lock _lock = new();
    private readonly Dictionary<EndPoint, IListenerTarget> _listeners = [];
    private readonly HashSet<EndPoint> _bound = [];
    private int _nextPort = FirstEphemeralPort;
    private volatile bool _isAvailable = true;
    private int _defaultBufferSize = 64 * 1024;
    private int _lastProcessId;

    /// <summary>
    /// Gets or sets whether the network subsystem works. While false, startup fails with WSASYSNOTREADY and
    /// cleanup reports WSAENETDOWN (it still releases its reference: STA-6, CLN-11).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool IsAvailable
    {
        get => _isAvailable;
        set
        {
            if (_isAvailable != value)
            {
                _isAvailable = value;
                Recorder?.Record(TraceEventKind.Network, value ? "NetworkUp" : "NetworkDown", 0, 0, null, null, null, null);
            }
        }
    }

    /// <summary>Gets or sets the buffer size of a peer listener's sending side when <see cref="Listen(EndPoint, int)"/> is given none.</summary>
    /// <value>The default is 65,536 bytes.</value>
    public int DefaultBufferSize
    {
        get => _defaultBufferSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _defaultBufferSize = value;
        }
    }

    /// <summary>Starts a harness listener: sockets that connect to <paramref name="endPoint"/> get a <see cref="RemotePeer"/>.</summary>
    /// <param name="endPoint">An <see cref="IPEndPoint"/>; port 0 picks a free port.</param>
    /// <param name="sendBufferSize">The buffer size of the peer's sending side; 0 takes <see cref="DefaultBufferSize"/>.</param>
    /// <returns>The listener.</returns>
    /// <exception cref="ArgumentException">The endpoint is not an <see cref="IPEndPoint"/>, or is already in use.</exception>
    public PeerListener Listen(EndPoint endPoint, int sendBufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(sendBufferSize);
        if (endPoint is not IPEndPoint ip)
        {
            throw new ArgumentException("The simulated network carries IP endpoints only.", nameof(endPoint));
        }

        lock (_lock)
        {
            var bound = ip.Port == 0
                ? NextEphemeral_NeedsLock(ip.Address) ?? throw new InvalidOperationException("The simulated network has no free ephemeral port left.")
                : ip;
            if (InUse_NeedsLock(bound))
            {
                throw new ArgumentException($"{bound} is already in use on this network.", nameof(endPoint));
            }

            var listener = new PeerListener(this, bound, sendBufferSize == 0 ? _defaultBufferSize : sendBufferSize);
            _listeners.Add(bound, listener);
            return listener;
        }
    }

    /// <summary>Numbers the processes of this network from 1, so ids depend only on the network's own history.</summary>
    internal int NextProcessId() => Interlocked.Increment(ref _lastProcessId);

    internal void Unlisten(EndPoint endPoint, IListenerTarget target)
    {
        lock (_lock)
        {
            if (_listeners.TryGetValue(endPoint, out var current) && current == target)
            {
                _listeners.Remove(endPoint);
            }
        }
    }

    /// <summary>Finds what listens at an endpoint: an exact match, else a listener on the wildcard address of that port.</summary>
    internal IListenerTarget? FindListener(EndPoint endPoint)
    {
        lock (_lock)
        {
            if (_listeners.TryGetValue(endPoint, out var target))
            {
                return target;
            }

            return endPoint is IPEndPoint ip && !IsWildcard(ip.Address)
                ? _listeners.GetValueOrDefault(new IPEndPoint(WildcardOf(ip.Address), ip.Port))
                : null;
        }
    }

    /// <summary>Reserves a local endpoint; port 0 picks a free port (WSAENOBUFS when none is left).</summary>
    internal WsaError TryBind(IPEndPoint requested, out IPEndPoint bound)
    {
        lock (_lock)
        {
            if (requested.Port == 0)
            {
                var next = NextEphemeral_NeedsLock(requested.Address);
                if (next is null)
                {
                    bound = requested;
                    return WsaError.NoBufferSpaceAvailable;
                }

                bound = next;
            }
            else
            {
                bound = requested;
            }

            if (InUse_NeedsLock(bound))
            {
                return WsaError.AddressAlreadyInUse;
            }

            _bound.Add(bound);
            return WsaError.Success;
        }
    }

    internal void Unbind(EndPoint endPoint)
    {
        lock (_lock)
        {
            _bound.Remove(endPoint);
        }
    }

    /// <summary>Turns an endpoint bound by the caller into a listening one, in one step.</summary>
    internal WsaError TryListen(EndPoint endPoint, IListenerTarget target)
    {
        lock (_lock)
        {
            if (_listeners.ContainsKey(endPoint))
            {
                return WsaError.AddressAlreadyInUse;
            }

            _bound.Remove(endPoint);
            _listeners.Add(endPoint, target);
            return WsaError.Success;
        }
    }

    private IPEndPoint? NextEphemeral_NeedsLock(IPAddress address)
    {
        for (int i = 0; i < 65536 - FirstEphemeralPort; i++)
        {
            var candidate = new IPEndPoint(address, _nextPort);
            _nextPort = _nextPort == 65535 ? FirstEphemeralPort : _nextPort + 1;
            if (!InUse_NeedsLock(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether an endpoint conflicts with one bound or listening: the same endpoint, or the same port where one of the
    /// two is the wildcard address of the family (no SO_REUSEADDR is simulated).
    /// </summary>
    private bool InUse_NeedsLock(IPEndPoint ep)
    {
        if (_bound.Contains(ep) || _listeners.ContainsKey(ep))
        {
            return true;
        }

        if (!IsWildcard(ep.Address))
        {
            var wildcard = new IPEndPoint(WildcardOf(ep.Address), ep.Port);
            return _bound.Contains(wildcard) || _listeners.ContainsKey(wildcard);
        }

        foreach (var other in _bound)
        {
            if (other is IPEndPoint o && o.Port == ep.Port && o.AddressFamily == ep.AddressFamily)
            {
                return true;
            }
        }

        foreach (var other in _listeners.Keys)
        {
            if (other is IPEndPoint o && o.Port == ep.Port && o.AddressFamily == ep.AddressFamily)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="address"/> is the wildcard address of its family (0.0.0.0 or ::); the provider's datagram checks use it too.</summary>
    internal static bool IsWildcard(IPAddress address)
        => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
#pragma warning disable CS0618 // Obsolete because it cannot hold an IPv6 address; for IPv4 it is exact, and a field read.
            ? address.Address == 0
#pragma warning restore CS0618
            : address.Equals(IPAddress.IPv6Any);

    private static IPAddress WildcardOf(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
}
