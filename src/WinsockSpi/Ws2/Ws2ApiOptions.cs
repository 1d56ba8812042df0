using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Ws2;

/// <summary>
/// Settings of a <see cref="Ws2Api"/>, the ws2_32.dll of one simulated process: which process and network it runs in,
/// which catalog its providers are loaded from, and the clock and logger of the default catalog's base provider.
/// </summary>
/// <remarks>
/// <para>With no settings at all, <c>new Ws2Api(new Ws2ApiOptions())</c> is a process of its own on a private network,
/// the default catalog (the base TCP/UDP provider), the system clock and no logging, as <see cref="ProviderOptions"/>
/// gives a <see cref="ProviderRuntime"/>.</para>
/// <para>The options are read once, by the <see cref="Ws2Api"/> constructor, which validates them; changing them later
/// changes nothing.</para>
/// </remarks>
public sealed class Ws2ApiOptions
{
    /// <summary>Gets or sets the process whose Winsock API layer this is.</summary>
    /// <value>
    /// The default is <see langword="null"/>: a new process on <see cref="Network"/>, which the layer owns and terminates
    /// when it is disposed (PRC-2).
    /// </value>
    public SimulatedProcess? Process { get; set; }

    /// <summary>Gets or sets the network the process's connections run on.</summary>
    /// <value>
    /// The default is <see langword="null"/>: the network of <see cref="Process"/> when that is set, otherwise a new
    /// private network. When both are set they must agree.
    /// </value>
    public SimulatedNetwork? Network { get; set; }

    /// <summary>Gets or sets the catalog providers are loaded from (WSAEnumProtocols, WSAEnumNameSpaceProviders).</summary>
    /// <value>
    /// The default is <see langword="null"/>: <see cref="ProviderCatalog.CreateDefault(Func{SimulatedProcess, IWspProvider})"/>
    /// with a <see cref="ProviderRuntime"/> per process that uses <see cref="TimeProvider"/> and <see cref="LoggerFactory"/>.
    /// </value>
    public ProviderCatalog? Catalog { get; set; }

    /// <summary>
    /// Gets or sets the clock of the default catalog's base provider: linger timeouts and the blocking hook (CLS-6,
    /// BLK-2). A <see cref="Catalog"/> of your own chooses its providers' clocks in its factories.
    /// </summary>
    /// <value>The default is <see cref="TimeProvider.System"/>; tests use FakeTimeProvider.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the logger factory of the layer (category "WinsockSpi.Ws2", event ids 7001-7008) and of the default
    /// catalog's base provider (category "WinsockSpi.Provider").
    /// </summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Gets or sets how long an asynchronous request (WSAAsyncGetHostByName, WSAAsyncGetHostByAddr) takes, on
    /// <see cref="TimeProvider"/>: it completes, and posts its message, that much clock time after it was made (ASY-4).
    /// With a fake clock a test decides when: before it advances the clock the request is pending.
    /// </summary>
    /// <value>The default is 1 ms (<see cref="Ws2Api.DefaultAsyncRequestDelay"/>). Must be positive.</value>
    public TimeSpan AsyncRequestDelay { get; set; } = Ws2Api.DefaultAsyncRequestDelay;

    /// <summary>Checks the settings, as the <see cref="Ws2Api"/> constructor does before it reads them.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> or <see cref="LoggerFactory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="AsyncRequestDelay"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><see cref="Process"/> and <see cref="Network"/> are both set and the process runs on another network.</exception>
    /// <exception cref="ObjectDisposedException"><see cref="Process"/> has terminated.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
        if (AsyncRequestDelay <= TimeSpan.Zero || AsyncRequestDelay.TotalMilliseconds > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AsyncRequestDelay), AsyncRequestDelay, "The delay of asynchronous requests must be positive and fit a timer.");
        }

        if (Process is null)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(Process.IsTerminated, Process);
        if (Network is not null && !ReferenceEquals(Network, Process.Network))
        {
            throw new ArgumentException(
                $"{Process} runs on another network than the one given: set Process or Network, or both to the same network.",
                nameof(Network));
        }
    }
}
