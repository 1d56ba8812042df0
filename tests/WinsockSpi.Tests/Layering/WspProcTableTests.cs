using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Layering;

public class WspProcTableTests
{
    public static TheoryData<WspEntry> AllEntries => [.. Enum.GetValues<WspEntry>()];

    [Fact]
    public void FromProvider_FillsEveryEntryAndTheProviderId()
    {
        using var runtime = new ProviderRuntime();

        var table = WspProcTable.FromProvider(runtime);

        Assert.True(table.IsComplete);
        Assert.Empty(table.MissingEntries);
        Assert.Equal(runtime.ProviderId, table.ProviderId);
        foreach (var entry in Enum.GetValues<WspEntry>())
        {
            Assert.True(table.HasEntry(entry));
        }
    }

    [Fact]
    public void EmptyTable_MissesEveryEntryInTableOrder()
    {
        var table = new WspProcTable();

        Assert.False(table.IsComplete);
        Assert.Equal(Enum.GetNames<WspEntry>(), table.MissingEntries);
    }

    [Theory]
    [MemberData(nameof(AllEntries))]
    public void Without_LeavesOutExactlyThatEntry(WspEntry entry)
    {
        using var runtime = new ProviderRuntime();
        var complete = WspProcTable.FromProvider(runtime);

        var table = complete.Without(entry);

        Assert.False(table.IsComplete);
        Assert.Equal([entry.ToString()], table.MissingEntries);
        Assert.False(table.HasEntry(entry));
        Assert.True(complete.IsComplete);
        Assert.Equal(complete.ProviderId, table.ProviderId);
    }

    [Fact]
    public void WithoutByName_LeavesOutTheNamedEntry()
    {
        using var runtime = new ProviderRuntime();

        var table = WspProcTable.FromProvider(runtime).Without("Send").Without(nameof(IWspProvider.Cleanup));

        Assert.Equal(["Cleanup", "Send"], table.MissingEntries);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("WSPSend")]
    [InlineData("")]
    [InlineData("12")]
    public void WithoutByName_UnknownName_Throws(string name)
    {
        using var runtime = new ProviderRuntime();
        var table = WspProcTable.FromProvider(runtime);

        Assert.Throws<ArgumentException>(() => table.Without(name));
    }

    [Fact]
    public void Without_UndefinedEntry_Throws()
    {
        var table = new WspProcTable();

        Assert.Throws<ArgumentOutOfRangeException>(() => table.Without((WspEntry)99));
    }

    [Fact]
    public void Without_KeepsTheOtherEntries_AndAReplacedEntryIsTheProvidersOwn()
    {
        // An entry is replaced by building the table from a provider whose member does something else.
        var replacing = Substitute.For<IWspProvider>();
        replacing.CancelBlockingCall().Returns(WsaError.InvalidArgument);
        var complete = WspProcTable.FromProvider(replacing);

        var table = complete.Without(WspEntry.Receive);

        Assert.Equal(["Receive"], table.MissingEntries);
        Assert.Equal(WsaError.InvalidArgument, complete.ToProvider().CancelBlockingCall().Error);
        Assert.True(table.HasEntry(WspEntry.Send));
        Assert.Same(replacing, complete.ToProvider());
    }

    [Fact]
    public void ToProvider_Incomplete_ThrowsNamingTheMissingEntries()
    {
        using var runtime = new ProviderRuntime();
        var table = WspProcTable.FromProvider(runtime).Without(WspEntry.GetPeerName);

        var ex = Assert.Throws<InvalidOperationException>(table.ToProvider);

        Assert.Contains("GetPeerName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToProvider_Complete_CallsTheEntries()
    {
        var network = new SimulatedNetwork();
        using var runtime = new ProviderRuntime(new ProviderOptions { Network = network });
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var provider = WspProcTable.FromProvider(runtime).ToProvider();

        Assert.Equal(runtime.ProviderId, provider.ProviderId);
        Assert.Equal(WsaError.Success, provider.Startup(WinsockVersion.V2_2, out var data));
        Assert.Equal(WinsockVersion.V2_2, data.Version);
        var s = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        Assert.True(runtime.Sockets.Contains(s));
        provider.Connect(s, listener.EndPoint).ThrowIfFailed();
        var peer = listener.Accept();
        Assert.Equal(3, provider.Send(s, "abc"u8.ToArray()).Value);
        Assert.Equal("abc"u8.ToArray(), peer.ReadAvailable());
        Assert.True(provider.Cleanup().IsSuccess);
        Assert.Equal(0, runtime.StartupCount);
    }

    [Fact]
    public void ToString_NamesWhatIsMissing()
    {
        var table = new WspProcTable { ProviderId = Guid.NewGuid() }.Without(WspEntry.Send);

        Assert.Contains("missing Startup", table.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WspEntry_NamesEveryMemberOfIWspProvider_InTheirOrder()
    {
        var members = typeof(IWspProvider).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name);

        Assert.Equal(members, Enum.GetNames<WspEntry>());
    }

    [Fact]
    public void Layer_ForwardsEveryEntryOfIWspProvider_UnderItsOwnName()
    {
        var lower = Substitute.For<IWspProvider>();
        lower.Startup(default, out _, default).ReturnsForAnyArgs(call =>
        {
            call[1] = new WspData(WinsockVersion.V2_2, WinsockVersion.V2_2, "lower");
            return WsaError.Success;
        });
        var saw = LayerTestKit.Interceptor();
        var layer = new LayeredProvider(lower, new LayeredProviderOptions { Interceptor = saw });
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _));

        foreach (var method in typeof(IWspProvider).GetMethods().Where(m => !m.IsSpecialName && m.Name is not (nameof(IWspProvider.Startup) or nameof(IWspProvider.Cleanup))))
        {
            lower.ClearReceivedCalls();
            var args = method.GetParameters().Select(p => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null).ToArray();

            method.Invoke(layer, args);

            Assert.Equal([method.Name], lower.ReceivedCalls().Select(c => c.GetMethodInfo().Name));
            var (call, result) = saw.Calls()[^1];
            Assert.Equal((method.Name, true), (call.Entry.ToString(), result.Forwarded));
        }
    }
}
