using Microsoft.Extensions.Logging.Abstractions;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Provider;

public class ProviderOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new ProviderOptions();

        Assert.Null(options.Process);
        Assert.Null(options.Network);
        Assert.Equal(ProviderOptions.DefaultProviderId, options.ProviderId);
        Assert.Equal(WinsockVersion.V2_2, options.LowestVersion);
        Assert.Equal(WinsockVersion.V2_2, options.HighestVersion);
        Assert.Equal("WinsockSpi simulated TCP/IP provider", options.Description);
        Assert.Equal(16_384, options.MaxSockets);
        Assert.Equal(0, options.MaxProcesses);
        Assert.Equal(64 * 1024, options.SendBufferSize);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.BlockingHookInterval);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Same(NullLoggerFactory.Instance, options.LoggerFactory);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        new ProviderOptions().Validate();
        using var runtime = new ProviderRuntime(new ProviderOptions());
        Assert.Equal(16_384, runtime.Sockets.Capacity);
    }

    [Fact]
    public void NullOptions_MeanDefaults()
    {
        using var runtime = new ProviderRuntime(null);

        Assert.Equal(ProviderOptions.DefaultProviderId, runtime.ProviderId);
        Assert.Equal(16_384, runtime.Sockets.Capacity);
        Assert.Equal(64 * 1024, runtime.SendBufferSize);
    }

    public static TheoryData<string> InvalidSettings => new(
        "LowestAboveHighest",
        "MaxSocketsZero",
        "MaxSocketsNegative",
        "MaxSocketsTooLarge",
        "MaxProcessesNegative",
        "SendBufferSizeZero",
        "BlockingHookIntervalZero",
        "BlockingHookIntervalNegative",
        "DescriptionNull",
        "TimeProviderNull",
        "LoggerFactoryNull");

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validate_BadValue_ThrowsAnArgumentExceptionNamingTheOption(string setting)
    {
        var (options, parameter) = Make(setting);

        var ex = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Equal(parameter, ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void ProviderRuntime_WithBadOptions_Throws(string setting)
    {
        var (options, parameter) = Make(setting);

        var ex = Assert.ThrowsAny<ArgumentException>(() => new ProviderRuntime(options));

        Assert.Equal(parameter, ex.ParamName);
    }

    [Theory]
    [InlineData("1.1", "1.1")]
    [InlineData("1.1", "2.2")]
    [InlineData("0.0", "255.255")]
    public void Validate_OrderedVersionRange_IsAccepted(string lowest, string highest)
    {
        var options = new ProviderOptions { LowestVersion = WinsockVersion.Parse(lowest), HighestVersion = WinsockVersion.Parse(highest) };

        options.Validate();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1 << 20)]
    public void Validate_MaxSocketsAtTheLimits_IsAccepted(int maxSockets)
    {
        new ProviderOptions { MaxSockets = maxSockets }.Validate();
    }

    [Fact]
    public void Validate_UnlimitedProcessesAndTinyBuffer_AreAccepted()
    {
        new ProviderOptions { MaxProcesses = 0, SendBufferSize = 1, BlockingHookInterval = TimeSpan.FromTicks(1) }.Validate();
    }

    private static (ProviderOptions Options, string Parameter) Make(string setting) => setting switch
    {
        "LowestAboveHighest" => (new ProviderOptions { LowestVersion = WinsockVersion.V2_2, HighestVersion = WinsockVersion.V2_0 }, nameof(ProviderOptions.LowestVersion)),
        "MaxSocketsZero" => (new ProviderOptions { MaxSockets = 0 }, nameof(ProviderOptions.MaxSockets)),
        "MaxSocketsNegative" => (new ProviderOptions { MaxSockets = -1 }, nameof(ProviderOptions.MaxSockets)),
        "MaxSocketsTooLarge" => (new ProviderOptions { MaxSockets = (1 << 20) + 1 }, nameof(ProviderOptions.MaxSockets)),
        "MaxProcessesNegative" => (new ProviderOptions { MaxProcesses = -1 }, nameof(ProviderOptions.MaxProcesses)),
        "SendBufferSizeZero" => (new ProviderOptions { SendBufferSize = 0 }, nameof(ProviderOptions.SendBufferSize)),
        "BlockingHookIntervalZero" => (new ProviderOptions { BlockingHookInterval = TimeSpan.Zero }, nameof(ProviderOptions.BlockingHookInterval)),
        "BlockingHookIntervalNegative" => (new ProviderOptions { BlockingHookInterval = TimeSpan.FromSeconds(-1) }, nameof(ProviderOptions.BlockingHookInterval)),
        "DescriptionNull" => (new ProviderOptions { Description = null! }, nameof(ProviderOptions.Description)),
        "TimeProviderNull" => (new ProviderOptions { TimeProvider = null! }, nameof(ProviderOptions.TimeProvider)),
        "LoggerFactoryNull" => (new ProviderOptions { LoggerFactory = null! }, nameof(ProviderOptions.LoggerFactory)),
        _ => throw new ArgumentOutOfRangeException(nameof(setting)),
    };
}
