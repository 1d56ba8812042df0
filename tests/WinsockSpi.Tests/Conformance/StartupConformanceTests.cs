using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS.md section 2, Startup (STA-1..5, STA-8).</summary>
public class StartupConformanceTests
{
    public static TheoryData<string> HandleCalls => SpiCallCatalog.HandleCallData;

    [Fact]
    [Trait("Rule", "STA-1")]
    public void STA1_SuccessfulStartup_ReturnsZero()
    {
        using var runtime = new ProviderRuntime();

        var result = runtime.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(WsaError.Success, result);
        Assert.Equal(0, (int)result);
    }

    [Fact]
    [Trait("Rule", "STA-1")]
    public void STA1_FailedStartup_ReturnsTheErrorCodeItself()
    {
        using var runtime = new ProviderRuntime();

        var result = runtime.Startup(WinsockVersion.V1_1, out _);

        Assert.Equal(10092, (int)result);
        Assert.NotEqual(Winsock.SocketError, (int)result);
    }

    [Fact]
    [Trait("Rule", "STA-1")]
    public void STA1_StartupWithNetworkUnavailable_ReturnsSysNotReadyItself()
    {
        var network = new SimulatedNetwork { IsAvailable = false };
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });

        var result = runtime.Startup(WinsockVersion.V2_2, out _);

        Assert.Equal(10091, (int)result);
        Assert.Equal(WsaError.SystemNotReady, result);
    }

    /// <summary>
    /// Requests through Startup on the default 2.2..2.2 provider and on a 1.1..2.2 provider. Rows give the provider
    /// range, the requested version word, and the expected outcome (wVersion, wHighVersion as "major.minor").
    /// </summary>
    [Theory]
    [Trait("Rule", "STA-2")]
    [InlineData("2.2", "2.2", 0x0202, "2.2", "2.2")]
    [InlineData("2.2", "2.2", 0x0000, null, null)]
    [InlineData("2.2", "2.2", 0xFFFF, "2.2", "2.2")]
    [InlineData("2.2", "2.2", 0xFF01, null, null)]
    [InlineData("2.2", "2.2", 0x00FF, "2.2", "2.2")]
    [InlineData("2.2", "2.2", 0x0003, "2.2", "2.2")]
    [InlineData("2.2", "2.2", 0x0302, "2.2", "2.2")]
    [InlineData("2.2", "2.2", 0x0002, null, null)]
    [InlineData("2.2", "2.2", 0x0102, null, null)]
    [InlineData("2.2", "2.2", 0x0101, null, null)]
    [InlineData("1.1", "2.2", 0x0000, null, null)]
    [InlineData("1.1", "2.2", 0xFFFF, "2.2", "2.2")]
    [InlineData("1.1", "2.2", 0xFF01, "1.255", "2.2")]
    [InlineData("1.1", "2.2", 0x00FF, "2.2", "2.2")]
    [InlineData("1.1", "2.2", 0x0001, null, null)]
    [InlineData("1.1", "2.2", 0xFF00, null, null)]
    [InlineData("1.1", "2.2", 0x0101, "1.1", "2.2")]
    [InlineData("1.1", "2.2", 0x0002, "2.0", "2.2")]
    [InlineData("1.1", "2.2", 0x0102, "2.1", "2.2")]
    [InlineData("1.1", "2.2", 0x0202, "2.2", "2.2")]
    [InlineData("1.1", "2.2", 0x0003, "2.2", "2.2")]
    public void STA2_RequestedVersion_NegotiatesAgainstTheSupportedRange(string lowest, string highest, int requestedWord, string? expectedVersion, string? expectedHigh)
    {
        using var runtime = new ProviderRuntime(new ProviderOptions
        {
            LowestVersion = WinsockVersion.Parse(lowest),
            HighestVersion = WinsockVersion.Parse(highest),
        });
        var requested = WinsockVersion.FromWord((ushort)requestedWord);

        var result = runtime.Startup(requested, out var data);

        if (expectedVersion is null)
        {
            Assert.Equal(WsaError.VersionNotSupported, result);
            Assert.Equal(default, data);
            Assert.Equal(0, runtime.StartupCount);
        }
        else
        {
            Assert.Equal(WsaError.Success, result);
            Assert.Equal(WinsockVersion.Parse(expectedVersion), data.Version);
            Assert.Equal(WinsockVersion.Parse(expectedHigh!), data.HighVersion);
            Assert.Equal(1, runtime.StartupCount);
        }
    }

    [Fact]
    [Trait("Rule", "STA-2")]
    public void STA2_RequestAboveHighest_GetsHighestForBothVersions()
    {
        using var runtime = new ProviderRuntime();

        var result = runtime.Startup(new WinsockVersion(3, 0), out var data);

        Assert.Equal(WsaError.Success, result);
        Assert.Equal(WinsockVersion.V2_2, data.Version);
        Assert.Equal(WinsockVersion.V2_2, data.HighVersion);
    }

    [Fact]
    [Trait("Rule", "STA-2")]
    public void STA2_Version20OnA22OnlyProvider_FailsWithVerNotSupportedAndCountUnchanged()
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));

        var result = runtime.Startup(WinsockVersion.V2_0, out var data);

        Assert.Equal(WsaError.VersionNotSupported, result);
        Assert.Equal(default, data);
        Assert.Equal(1, runtime.StartupCount);
    }

    [Fact]
    [Trait("Rule", "STA-2")]
    public void STA2_FailedStartup_ChangesNothing_NotEvenTheUpcallTable()
    {
        using var runtime = new ProviderRuntime();
        var before = runtime.Upcalls;
        var upcalls = Substitute.For<IUpcalls>();

        var result = runtime.Startup(WinsockVersion.V1_1, out _, upcalls);

        Assert.Equal(WsaError.VersionNotSupported, result);
        Assert.Same(before, runtime.Upcalls);
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(WsaError.NotInitialized, runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Error);
    }

    [Fact]
    [Trait("Rule", "STA-2")]
    public void STA2_Versions_CompareMajorFirstThenMinor()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { LowestVersion = new WinsockVersion(2, 0), HighestVersion = WinsockVersion.V2_2 });

        // 1.255 has the larger minor but the smaller major: it is below 2.0.
        Assert.Equal(WsaError.VersionNotSupported, runtime.Startup(new WinsockVersion(1, 255), out _));

        // 3.0 has the smaller minor but the larger major: it is above 2.2.
        Assert.Equal(WsaError.Success, runtime.Startup(new WinsockVersion(3, 0), out var data));
        Assert.Equal(WinsockVersion.V2_2, data.Version);
    }

    [Fact]
    [Trait("Rule", "STA-3")]
    public void STA3_WspData_CarriesVersionsAndTheConfiguredDescription()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { Description = "Test TCP/IP provider" });

        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out var data));

        Assert.Equal(WinsockVersion.V2_2, data.Version);
        Assert.Equal(WinsockVersion.V2_2, data.HighVersion);
        Assert.Equal("Test TCP/IP provider", data.Description);
    }

    [Theory]
    [Trait("Rule", "STA-3")]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(254, 254)]
    [InlineData(255, 255)]
    [InlineData(256, 255)]
    [InlineData(1000, 255)]
    public void STA3_Description_IsCutTo255Characters(int length, int expectedLength)
    {
        string description = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
        using var runtime = new ProviderRuntime(new ProviderOptions { Description = description });

        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out var data));

        Assert.Equal(expectedLength, data.Description.Length);
        Assert.Equal(description[..expectedLength], data.Description);
        Assert.True(data.Description.Length <= Winsock.DescriptionMaxLength);
    }

    [Fact]
    [Trait("Rule", "STA-4")]
    public void STA4_EachSuccessfulStartup_IncrementsTheCount()
    {
        using var runtime = new ProviderRuntime();

        for (int i = 1; i <= 5; i++)
        {
            Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
            Assert.Equal(i, runtime.StartupCount);
        }

        for (int i = 4; i >= 0; i--)
        {
            Assert.True(runtime.Cleanup().IsSuccess);
            Assert.Equal(i, runtime.StartupCount);
        }
    }

    [Theory]
    [Trait("Rule", "STA-4")]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void STA4_StartupRefusedForItsVersion_DoesNotCount(int countBefore)
    {
        using var runtime = new ProviderRuntime();
        StartTimes(runtime, countBefore);

        Assert.Equal(WsaError.VersionNotSupported, runtime.Startup(new WinsockVersion(0, 0), out _));

        Assert.Equal(countBefore, runtime.StartupCount);
        AssertCleanupsBalance(runtime, countBefore);
    }

    [Theory]
    [Trait("Rule", "STA-4")]
    [InlineData(0)]
    [InlineData(2)]
    public void STA4_StartupWhileNetworkUnavailable_DoesNotCount(int countBefore)
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        StartTimes(runtime, countBefore);
        network.IsAvailable = false;

        Assert.Equal(WsaError.SystemNotReady, runtime.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(countBefore, runtime.StartupCount);
        network.IsAvailable = true;
        AssertCleanupsBalance(runtime, countBefore);
    }

    [Fact]
    [Trait("Rule", "STA-4")]
    public void STA4_StartupRefusedAtTheProcessLimit_DoesNotCount()
    {
        var network = new SimulatedNetwork();
        using var first = new ProviderRuntime(new ProviderOptions { Network = network, MaxProcesses = 1 });
        using var second = new ProviderRuntime(new ProviderOptions { Network = network, MaxProcesses = 1 });
        Assert.Equal(WsaError.Success, first.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(WsaError.ProcessLimit, second.Startup(WinsockVersion.V2_2, out _));

        Assert.Equal(0, second.StartupCount);
        Assert.Equal(1, first.StartupCount);
        Assert.Equal(WsaError.NotInitialized, second.Cleanup().Error);
    }

    [Fact]
    [Trait("Rule", "STA-4")]
    public void STA4_CountIsPerProcess()
    {
        var network = new SimulatedNetwork();
        using var a = new ProviderRuntime(new ProviderOptions { Process = new SimulatedProcess(network) });
        using var b = new ProviderRuntime(new ProviderOptions { Process = new SimulatedProcess(network) });

        StartTimes(a, 3);
        StartTimes(b, 1);

        Assert.Equal(3, a.StartupCount);
        Assert.Equal(1, b.StartupCount);
        Assert.True(b.Cleanup().IsSuccess);
        Assert.Equal(3, a.StartupCount);
    }

    [Fact]
    [Trait("Rule", "STA-4")]
    public async Task STA4_ConcurrentStartups_AreAllCounted()
    {
        const int Threads = 8;
        const int PerThread = 250;
        using var runtime = new ProviderRuntime();
        using var barrier = new Barrier(Threads);

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                TestThreads.Meet(barrier);
                int failures = 0;
                for (int i = 0; i < PerThread; i++)
                {
                    failures += runtime.Startup(WinsockVersion.V2_2, out _) == WsaError.Success ? 0 : 1;
                }

                return failures;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));

        int[] failures = await Task.WhenAll(workers).WaitAsync(TestThreads.WaitLimit, TestContext.Current.CancellationToken);

        Assert.All(failures, f => Assert.Equal(0, f));
        Assert.Equal(Threads * PerThread, runtime.StartupCount);
        runtime.ValidateInvariants();
    }

    [Fact]
    [Trait("Rule", "STA-5")]
    public void STA5_CallerRejectingTheReturnedVersion_StillCleansUpOnce()
    {
        using var runtime = new ProviderRuntime();

        // The caller needs 3.0 or later; the provider answers 2.2, which the caller rejects.
        Assert.Equal(WsaError.Success, runtime.Startup(new WinsockVersion(3, 0), out var data));
        Assert.True(data.Version < new WinsockVersion(3, 0));
        Assert.Equal(1, runtime.StartupCount);

        var cleanup = runtime.Cleanup();

        Assert.True(cleanup.IsSuccess);
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);
    }

    [Fact]
    [Trait("Rule", "STA-5")]
    public void STA5_RejectedStartupStillCounted_UntilItsCleanup()
    {
        using var runtime = new ProviderRuntime(new ProviderOptions { LowestVersion = WinsockVersion.V1_1 });
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));

        // A second client asks for 1.1 and gets 1.1; it wanted 2.x, rejects it, and must still clean up once.
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V1_1, out var data));
        Assert.Equal(WinsockVersion.V1_1, data.Version);
        Assert.Equal(2, runtime.StartupCount);
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();

        Assert.True(runtime.Cleanup().IsSuccess);

        // That cleanup was not the final one: the first client's socket is untouched.
        Assert.Equal(1, runtime.StartupCount);
        Assert.True(runtime.Sockets.Contains(s));
        Assert.True(runtime.Cleanup().IsSuccess);
        Assert.True(runtime.IsUnloadReady);
    }

    [Theory]
    [Trait("Rule", "STA-8")]
    [MemberData(nameof(HandleCalls))]
    [InlineData("Socket")]
    [InlineData("CancelBlockingCall")]
    [InlineData("Cleanup")]
    public void STA8_CallBeforeAnyStartup_FailsWithNotInitialised(string call)
    {
        using var runtime = new ProviderRuntime();

        var error = SpiCallCatalog.Invoke(runtime, call, new SocketHandle(4));

        Assert.Equal(WsaError.NotInitialized, error);
        Assert.Equal(0, runtime.StartupCount);
        Assert.True(runtime.IsUnloadReady);
    }

    [Theory]
    [Trait("Rule", "STA-8")]
    [MemberData(nameof(HandleCalls))]
    [InlineData("Socket")]
    [InlineData("CancelBlockingCall")]
    [InlineData("Cleanup")]
    public void STA8_CallAfterFinalCleanup_WithAHandleThatWasLive_FailsWithNotInitialised(string call)
    {
        using var runtime = new ProviderRuntime();
        Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        var s = runtime.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(runtime.Cleanup().IsSuccess);

        var error = SpiCallCatalog.Invoke(runtime, call, s);

        Assert.Equal(WsaError.NotInitialized, error);
        Assert.Equal(0, runtime.StartupCount);
    }

    [Theory]
    [Trait("Rule", "STA-8")]
    [InlineData(AddressFamily.AppleTalk, SocketType.Stream, ProtocolType.Tcp)]
    [InlineData(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Tcp)]
    [InlineData(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Udp)]
    public void STA8_SocketWithBadArgumentsBeforeStartup_FailsWithNotInitialisedFirst(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        using var runtime = new ProviderRuntime();

        Assert.Equal(WsaError.NotInitialized, runtime.Socket(family, type, protocol).Error);
    }

    [Fact]
    [Trait("Rule", "STA-8")]
    public void STA8_GetOverlappedResultWithoutOverlappedBeforeStartup_FailsWithNotInitialisedFirst()
    {
        using var runtime = new ProviderRuntime();

        Assert.Equal(WsaError.NotInitialized, runtime.GetOverlappedResult(new SocketHandle(4), null, wait: false).Error);
    }

    private static void StartTimes(ProviderRuntime runtime, int times)
    {
        for (int i = 0; i < times; i++)
        {
            Assert.Equal(WsaError.Success, runtime.Startup(WinsockVersion.V2_2, out _));
        }
    }

    private static void AssertCleanupsBalance(ProviderRuntime runtime, int successfulStartups)
    {
        for (int i = 0; i < successfulStartups; i++)
        {
            Assert.True(runtime.Cleanup().IsSuccess);
        }

        Assert.Equal(WsaError.NotInitialized, runtime.Cleanup().Error);
        Assert.True(runtime.IsUnloadReady);
    }
}
