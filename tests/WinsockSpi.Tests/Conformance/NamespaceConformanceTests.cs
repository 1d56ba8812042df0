using WinsockSpi.Namespaces;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS §9, namespace providers (NSP-1).</summary>
public class NamespaceConformanceTests
{
    private static readonly Guid s_dns = new("22059d40-7e9e-11cf-ae5a-00aa00a7112b");
    private static readonly Guid s_pnrp = new("03fe89ce-766d-4976-b9c1-bb9bc42c7b4d");
    private static readonly Guid s_unmanaged = new("6642243a-3ba8-4aa6-baa5-2e0bd71fdd83");

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_StartupsAndCleanups_PairUpPerProviderId()
    {
        var provider = new NamespaceProvider([s_dns, s_pnrp]);

        Assert.True(provider.Startup(s_dns).IsSuccess);
        Assert.True(provider.Startup(s_dns).IsSuccess);
        Assert.True(provider.Startup(s_pnrp).IsSuccess);

        Assert.Equal(2, provider.StartupCount(s_dns));
        Assert.Equal(1, provider.StartupCount(s_pnrp));
        Assert.True(provider.Cleanup(s_pnrp).IsSuccess);
        Assert.False(provider.IsStarted(s_pnrp));
        Assert.True(provider.IsStarted(s_dns));
        Assert.Equal(2, provider.StartupCount(s_dns));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_OnlyTheFinalCleanupOfAnId_TearsItDown()
    {
        var provider = new NamespaceProvider([s_dns, s_pnrp]);
        var tornDown = new List<Guid>();
        provider.TornDown += (_, e) => tornDown.Add(e.ProviderId);
        provider.Startup(s_dns);
        provider.Startup(s_dns);
        provider.Startup(s_dns);
        provider.Startup(s_pnrp);

        Assert.True(provider.Cleanup(s_dns).IsSuccess);
        Assert.True(provider.Cleanup(s_dns).IsSuccess);
        Assert.Empty(tornDown);
        Assert.Equal(0, provider.TeardownCount(s_dns));

        Assert.True(provider.Cleanup(s_dns).IsSuccess);

        Assert.Equal([s_dns], tornDown);
        Assert.Equal(1, provider.TeardownCount(s_dns));
        Assert.Equal(0, provider.TeardownCount(s_pnrp));
        Assert.True(provider.IsStarted(s_pnrp));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_CleanupOfAnIdTheProviderDoesNotManage_FailsWithInvalidArgumentNotInvalidProvider()
    {
        var provider = new NamespaceProvider([s_dns]);
        provider.Startup(s_dns);

        var result = provider.Cleanup(s_unmanaged);

        Assert.Equal(WsaError.InvalidArgument, result.Error);
        Assert.Equal(10022, (int)result.Error);
        Assert.NotEqual(WsaError.InvalidProvider, result.Error);
        Assert.Equal(Winsock.SocketError, result.ReturnValue);
        Assert.Equal(1, provider.StartupCount(s_dns));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_StartupOfAnIdTheProviderDoesNotManage_FailsWithInvalidArgumentAndCountsNothing()
    {
        var provider = new NamespaceProvider([s_dns]);

        Assert.Equal(WsaError.InvalidArgument, provider.Startup(s_unmanaged).Error);
        Assert.Equal(WsaError.InvalidArgument, provider.Startup(Guid.Empty).Error);

        Assert.Equal(0, provider.StartupCount(s_unmanaged));
        Assert.Equal(0, provider.StartupCount(s_dns));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    [Trait("Rule", "CLN-2")]
    public void NSP1_CleanupOfAManagedIdNotStarted_FailsWithNotInitialisedAndChangesNothing()
    {
        var provider = new NamespaceProvider([s_dns, s_pnrp]);
        var tornDown = 0;
        provider.TornDown += (_, _) => tornDown++;
        provider.Startup(s_pnrp);

        Assert.Equal(WsaError.NotInitialized, provider.Cleanup(s_dns).Error);

        provider.Startup(s_dns);
        provider.Cleanup(s_dns);
        Assert.Equal(WsaError.NotInitialized, provider.Cleanup(s_dns).Error);
        Assert.Equal(1, tornDown);
        Assert.Equal(0, provider.StartupCount(s_dns));
        Assert.Equal(1, provider.StartupCount(s_pnrp));
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public void NSP1_AfterTheFinalCleanup_ANewStartupWorksAndTearsDownAgainAtItsOwnFinalCleanup()
    {
        var provider = new NamespaceProvider([s_dns]);
        var counts = new List<int>();
        provider.TornDown += (_, e) => counts.Add(e.TeardownCount);

        for (int cycle = 0; cycle < 3; cycle++)
        {
            Assert.True(provider.Startup(s_dns).IsSuccess);
            Assert.True(provider.Cleanup(s_dns).IsSuccess);
        }

        Assert.Equal([1, 2, 3], counts);
    }

    [Fact]
    [Trait("Rule", "NSP-1")]
    public async Task NSP1_ConcurrentStartupsAndCleanups_TearDownOncePerFinalCleanupAndBalance()
    {
        var provider = new NamespaceProvider([s_dns]);
        int events = 0;
        provider.TornDown += (_, _) => Interlocked.Increment(ref events);
        const int Threads = 4, Rounds = 5_000;

        var workers = Enumerable.Range(0, Threads).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                Assert.True(provider.Startup(s_dns).IsSuccess);
                Assert.True(provider.Cleanup(s_dns).IsSuccess);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(0, provider.StartupCount(s_dns));
        Assert.Equal(provider.TeardownCount(s_dns), Volatile.Read(ref events));
        Assert.InRange(events, 1, Threads * Rounds);
    }
}
