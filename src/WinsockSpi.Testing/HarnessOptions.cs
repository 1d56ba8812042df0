using WinsockSpi.Network;
using WinsockSpi.Provider;

namespace WinsockSpi.Testing;

/// <summary>How a harness (<see cref="SpiHarness"/> or <see cref="Ws2Harness"/>) builds the simulation.</summary>
/// <remarks>Not thread-safe; read once, when the harness is made.</remarks>
public sealed class HarnessOptions
{
    /// <summary>The default of <see cref="WaitLimit"/>: 20 seconds.</summary>
    public static readonly TimeSpan DefaultWaitLimit = TimeSpan.FromSeconds(20);

    /// <summary>The default of <see cref="Watchdog"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultWatchdog = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the network to build on; a new one when null (give two harnesses one network to connect them).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public SimulatedNetwork? Network { get; set; }

    /// <summary>Gets or sets the provider's send buffer per connection (<see cref="ProviderOptions.SendBufferSize"/>).</summary>
    /// <value>The default is 65,536 bytes.</value>
    public int SendBufferSize { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the send buffer of the harness listeners' peers; 0 takes the network's default.</summary>
    /// <value>The default is 0.</value>
    public int PeerSendBufferSize { get; set; }

    /// <summary>Gets or sets how often a blocked call runs the blocking hook, in fake time.</summary>
    /// <value>The default is 100 milliseconds.</value>
    public TimeSpan BlockingHookInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how many successful <c>WSPStartup</c> calls a <see cref="SpiHarness"/> makes (0 leaves it unstarted).</summary>
    /// <value>The default is 1. A <see cref="Ws2Harness"/> calls <c>WSAStartup</c> this many times.</value>
    public int Startups { get; set; } = 1;

    /// <summary>Gets or sets the provider's limit on client processes (<see cref="ProviderOptions.MaxProcesses"/>); 0 for none.</summary>
    /// <value>The default is 0.</value>
    public int MaxProcesses { get; set; }

    /// <summary>Gets or sets a change to the provider's options, made after the harness set its process, clock and logger.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Action<ProviderOptions>? ConfigureProvider { get; set; }

    /// <summary>Gets or sets the bound of every wait of the kit (a blocking call joined, a call expected to block).</summary>
    /// <value>The default is <see cref="DefaultWaitLimit"/>.</value>
    public TimeSpan WaitLimit { get; set; } = DefaultWaitLimit;

    /// <summary>
    /// Gets or sets how long the harness may live before it ends its process: a blocking call made on the test thread
    /// that nobody releases then returns (PRC-2) and disposing the harness reports it. <see cref="Timeout.InfiniteTimeSpan"/>
    /// turns the watchdog off. It runs on the system clock, not the fake one.
    /// </summary>
    /// <value>The default is <see cref="DefaultWatchdog"/>.</value>
    public TimeSpan Watchdog { get; set; } = DefaultWatchdog;
}
