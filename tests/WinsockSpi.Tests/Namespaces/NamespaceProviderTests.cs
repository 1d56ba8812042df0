using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WinsockSpi.Namespaces;
using WinsockSpi.Network;

namespace WinsockSpi.Tests.Namespaces;

public class NamespaceProviderTests
{
    private static readonly Guid s_id = Guid.NewGuid();

    [Fact]
    public void Constructor_KeepsEachIdOnce()
    {
        var other = Guid.NewGuid();

        var provider = new NamespaceProvider([s_id, other, s_id]);

        Assert.Equal(2, provider.ProviderIds.Count);
        Assert.Contains(s_id, provider.ProviderIds);
        Assert.Contains(other, provider.ProviderIds);
    }

    [Fact]
    public void Constructor_RejectsNoIdsEmptyIdsAndNull()
    {
        Assert.Throws<ArgumentException>(() => new NamespaceProvider([]));
        Assert.Throws<ArgumentException>(() => new NamespaceProvider([Guid.Empty]));
        Assert.Throws<ArgumentNullException>(() => new NamespaceProvider(null!));
    }

    [Fact]
    public void Startup_WhileTheNetworkIsUnavailable_FailsWithSysNotReadyAndCountsNothing()
    {
        var network = new SimulatedNetwork { IsAvailable = false };
        var provider = new NamespaceProvider([s_id], network);

        Assert.Equal(WsaError.SystemNotReady, provider.Startup(s_id).Error);
        Assert.Equal(0, provider.StartupCount(s_id));

        network.IsAvailable = true;
        Assert.True(provider.Startup(s_id).IsSuccess);
    }

    [Fact]
    public void Cleanup_WhileTheNetworkIsUnavailable_StillReleasesAndTearsDown()
    {
        var network = new SimulatedNetwork();
        var provider = new NamespaceProvider([s_id], network);
        provider.Startup(s_id);
        network.IsAvailable = false;

        Assert.True(provider.Cleanup(s_id).IsSuccess);

        Assert.Equal(1, provider.TeardownCount(s_id));
    }

    [Fact]
    public void TornDown_IsRaisedWithNoLockHeld_SoItMayCallBackIn()
    {
        var provider = new NamespaceProvider([s_id]);
        SpiResult restart = default;
        provider.TornDown += (sender, e) => restart = ((NamespaceProvider)sender!).Startup(e.ProviderId);
        provider.Startup(s_id);

        provider.Cleanup(s_id);

        Assert.True(restart.IsSuccess);
        Assert.Equal(1, provider.StartupCount(s_id));
    }

    [Fact]
    public void Queries_ForAnUnmanagedId_GiveZero()
    {
        var provider = new NamespaceProvider([s_id]);

        Assert.Equal(0, provider.StartupCount(Guid.NewGuid()));
        Assert.False(provider.IsStarted(Guid.NewGuid()));
        Assert.Equal(0, provider.TeardownCount(Guid.NewGuid()));
    }

    [Fact]
    public void Logging_TeardownAndFailures_AreDebugWithStableIds()
    {
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        var provider = new NamespaceProvider([s_id], loggerFactory: factory);

        provider.Startup(s_id);
        provider.Cleanup(s_id);
        provider.Cleanup(Guid.NewGuid());

        var records = logs.GetSnapshot();
        Assert.Equal([6101, 6102, 6103], records.Select(r => r.Id.Id));
        Assert.All(records, r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.Contains("WSAEINVAL", records[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ShowsEachIdWithItsCount()
    {
        var provider = new NamespaceProvider([s_id]);
        provider.Startup(s_id);

        Assert.Contains("(count 1)", provider.ToString(), StringComparison.Ordinal);
    }
}
