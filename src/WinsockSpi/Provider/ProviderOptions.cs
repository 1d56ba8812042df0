using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Network;
using WinsockSpi.Processes;

namespace WinsockSpi.Provider;

/// <summary>Settings of a <see cref="ProviderRuntime"/>.</summary>
public sealed class ProviderOptions
{
    /// <summary>Gets or sets the process the provider is loaded into.</summary>
    /// <value>The default is <see langword="null"/>: a new process on <see cref="Network"/>.</value>
    public SimulatedProcess? Process { get; set; }

    /// <summary>Gets or sets the network; ignored when <see cref="Process"/> is set (the process's network is used).</summary>
    /// <value>The default is <see langword="null"/>: a new private network.</value>
    public SimulatedNetwork? Network { get; set; }

    /// <summary>Gets or sets the provider's identity (its catalog GUID); the client-process limit is counted per id (STA-6).</summary>
    /// <value>The default is <see cref="DefaultProviderId"/>.</value>
    public Guid ProviderId { get; set; } = DefaultProviderId;

    /// <summary>Gets the id of the simulated base TCP/IP provider.</summary>
    public static Guid DefaultProviderId { get; } = new("e70f1aa0-ab8b-11cf-8ca3-00805f48a192");

    /// <summary>Gets or sets the lowest version the provider supports (STA-2).</summary>
    /// <value>The default is 2.2.</value>
    public WinsockVersion LowestVersion { get; set; } = WinsockVersion.V2_2;

    /// <summary>Gets or sets the highest version the provider supports (STA-2).</summary>
    /// <value>The default is 2.2.</value>
    public WinsockVersion HighestVersion { get; set; } = WinsockVersion.V2_2;

    /// <summary>Gets or sets the description returned in WSPDATA; longer than 255 characters is cut (STA-3).</summary>
    /// <value>The default is "WinsockSpi simulated TCP/IP provider".</value>
    public string Description { get; set; } = "WinsockSpi simulated TCP/IP provider";

    /// <summary>Gets or sets the most live socket handles (SOC-2); one more fails with WSAEMFILE.</summary>
    /// <value>The default is 16,384.</value>
    public int MaxSockets { get; set; } = 16_384;

    /// <summary>Gets or sets the most client processes that may hold the provider started at once (STA-6); 0 means no limit.</summary>
    /// <value>The default is 0.</value>
    public int MaxProcesses { get; set; }

    /// <summary>Gets or sets the send buffer of each connection (SO_SNDBUF): sends complete at once while it has room (OVL-9).</summary>
    /// <value>The default is 65,536 bytes.</value>
    public int SendBufferSize { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the receive queue of each datagram socket (SO_RCVBUF): a message that does not fit is dropped (DGM-3).</summary>
    /// <value>The default is 65,536 bytes.</value>
    public int DatagramReceiveBufferSize { get; set; } = 64 * 1024;

    /// <summary>Gets or sets how often the blocking hook is called while a call blocks (BLK-2); it is also called once when the call starts blocking.</summary>
    /// <value>The default is 100 milliseconds of <see cref="TimeProvider"/> time. It must be positive and at most
    /// <see cref="MaxBlockingHookInterval"/> (the longest period a timer accepts); the constructor refuses anything else.</value>
    public TimeSpan BlockingHookInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets the clock for linger timeouts and the blocking hook (CLS-6, BLK-2).</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>; tests use FakeTimeProvider.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets whether closing a connected socket ends its pending overlapped receives with the status Windows 10 and
    /// later report, ERROR_CONNECTION_ABORTED (1236), instead of WSA_OPERATION_ABORTED (995) (EXT-6).
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: 995, as the SPI reference pages for WSPCloseSocket and WSPRecv say (CLS-2).
    /// <see langword="true"/> matches Windows 10 and later, where the completion packet of such a receive carries 1236 (as
    /// Wine's ws2_32 tests of closing a socket with a receive pending on a completion port record). Sends, AcceptEx and a
    /// socket that is not connected keep 995; the final cleanup is unaffected (CLN-4).
    /// </value>
    public bool Windows10CloseStatus { get; set; }

    /// <summary>Gets or sets the logger factory.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Gets the longest <see cref="BlockingHookInterval"/>: 4,294,967,294 ms (about 49.7 days), the longest period a timer accepts.</summary>
    public static TimeSpan MaxBlockingHookInterval { get; } = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Description, nameof(Description));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
        if (LowestVersion > HighestVersion)
        {
            throw new ArgumentException($"LowestVersion {LowestVersion} is above HighestVersion {HighestVersion}.", nameof(LowestVersion));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSockets, 1, nameof(MaxSockets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxSockets, 1 << 20, nameof(MaxSockets));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxProcesses, nameof(MaxProcesses));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendBufferSize, 1, nameof(SendBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DatagramReceiveBufferSize, 1, nameof(DatagramReceiveBufferSize));
        if (BlockingHookInterval <= TimeSpan.Zero || BlockingHookInterval > MaxBlockingHookInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockingHookInterval), BlockingHookInterval, $"The blocking hook interval must be positive and at most {MaxBlockingHookInterval}.");
        }
    }
}
