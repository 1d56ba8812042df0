using System.Net.Sockets;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using WinsockSpi.Ws2;
using static WinsockSpi.Ws2.Ws2Constants;

namespace WinsockSpi.Tests.Ws2;

public sealed class ProviderCatalogTests
{
    private static readonly Guid s_layerId = new("9a7d1c3e-0000-4000-8000-00000000001a");
    private static readonly Func<SimulatedProcess, IWspProvider> s_unused = _ => throw new InvalidOperationException("not loaded in these tests");

    [Fact]
    public void CreateDefault_HoldsTheBaseTcpAndUdpEntries_OfOneProvider_AndNoNamespaceProvider()
    {
        var catalog = ProviderCatalog.CreateDefault();

        Assert.Equal([1001u, 1002u, 1003u, 1004u], catalog.Entries.Select(e => e.CatalogEntryId));
        Assert.All(catalog.Entries, e =>
        {
            Assert.Equal(ProviderOptions.DefaultProviderId, e.ProviderId);
            Assert.True(e.IsBaseProtocol);
            Assert.Equal([e.CatalogEntryId], e.ProtocolChain);
        });
        Assert.Equal(
            [(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), (AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp),
             (AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp), (AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp)],
            catalog.Entries.Select(e => (e.AddressFamily, e.SocketType, e.ProtocolType)));
        Assert.Same(catalog.Entries[0].Factory, catalog.Entries[3].Factory);
        Assert.Empty(catalog.NamespaceEntries);
    }

    [Fact]
    public void CreateDefault_FactoryLoadsAProviderRuntimeIntoTheGivenProcess()
    {
        using var process = new SimulatedProcess();
        var catalog = ProviderCatalog.CreateDefault();

        var provider = catalog.Entries[0].Factory(process);

        var runtime = Assert.IsType<ProviderRuntime>(provider);
        Assert.Same(process, runtime.Process);
        Assert.Equal(ProviderOptions.DefaultProviderId, runtime.ProviderId);
        Assert.NotSame(provider, catalog.Entries[1].Factory(process));
    }

    [Theory]
    [InlineData(AF_INET, SOCK_STREAM, IPPROTO_TCP, 1001u)]
    [InlineData(AF_INET, SOCK_DGRAM, 0, 1002u)]
    [InlineData(AF_INET6, 0, 0, 1003u)]
    [InlineData(AF_INET6, 0, IPPROTO_UDP, 1004u)]
    [InlineData(0, SOCK_DGRAM, IPPROTO_UDP, 1002u)]
    public void FindEntry_GivesTheFirstEntryMatchingTheTriple(int af, int type, int protocol, uint expected)
    {
        var found = ProviderCatalog.CreateDefault().FindEntry(af, type, protocol);

        Assert.True(found.IsSuccess, found.ToString());
        Assert.Equal(expected, found.Value.CatalogEntryId);
    }

    [Fact]
    public void FindEntry_ErrorDoesNotDependOnEntryOrder()
    {
        // A UDP entry after the TCP one must not turn "protocol not supported" into "type not supported".
        var catalog = ProviderCatalog.CreateDefault();

        Assert.Equal(WsaError.ProtocolNotSupported, catalog.FindEntry(AF_INET, SOCK_STREAM, IPPROTO_UDP).Error);
        Assert.Equal(WsaError.ProtocolNotSupported, catalog.FindEntry(AF_INET, SOCK_DGRAM, IPPROTO_TCP).Error);
        Assert.Equal(WsaError.AddressFamilyNotSupported, new ProviderCatalog().FindEntry(AF_INET, SOCK_STREAM, 0).Error);
    }

    [Fact]
    public void Add_RejectsATakenCatalogEntryId()
    {
        var catalog = ProviderCatalog.CreateDefault();

        var ex = Assert.Throws<ArgumentException>(() => catalog.Add(Base(1001)));
        Assert.Contains("1001", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, catalog.Entries.Count);
    }

    [Fact]
    public void ProtocolChain_OfALayer_RunsFromItsLayeredProtocolDownToABaseProtocol()
    {
        var catalog = ProviderCatalog.CreateDefault();
        var layered = catalog.Add(Layered(2000));

        var chain = catalog.Add(Chain(2001, [2000, 1001]));

        Assert.True(layered.IsLayeredProtocol);
        Assert.False(layered.IsBaseProtocol || layered.IsProtocolChain);
        Assert.True(chain.IsProtocolChain);
        Assert.Equal([2000u, 1001u], chain.ProtocolChain);
        Assert.True(catalog.TryGetEntry(2001, out var got));
        Assert.Same(chain, got);
        Assert.False(catalog.TryGetEntry(9999, out _));
    }

    [Fact]
    public void ProtocolChain_OfLayersOverLayers_IsAccepted()
    {
        var catalog = ProviderCatalog.CreateDefault();
        catalog.Add(Layered(2000));
        catalog.Add(Layered(3000));

        var chain = catalog.Add(Chain(3001, [3000, 2000, 1001]));

        Assert.Equal(3, chain.ProtocolChain.Count);
    }

    [Theory]
    [InlineData(new uint[] { 2000, 4242 }, "not in the catalog")]
    [InlineData(new uint[] { 2000, 2000 }, "each once")]
    [InlineData(new uint[] { 1001, 1002 }, "layered protocol")]
    [InlineData(new uint[] { 2000, 3000 }, "base protocol")]
    [InlineData(new uint[] { 2001, 1001 }, "each once")]
    public void ProtocolChain_ThatDoesNotRunFromLayersToABase_IsRejected(uint[] links, string reason)
    {
        var catalog = ProviderCatalog.CreateDefault();
        catalog.Add(Layered(2000));
        catalog.Add(Layered(3000));

        var ex = Assert.Throws<ArgumentException>(() => catalog.Add(Chain(2001, links)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.False(catalog.TryGetEntry(2001, out _));
    }

    [Fact]
    public void FindEntry_NeverPicksALayeredProtocol_ButPicksAChainInsertedFirst()
    {
        var catalog = new ProviderCatalog();
        catalog.Add(Layered(2000, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        Assert.Equal(WsaError.AddressFamilyNotSupported, catalog.FindEntry(AF_INET, SOCK_STREAM, 0).Error);

        catalog.Add(Base(1001));
        Assert.Equal(1001u, catalog.FindEntry(AF_INET, SOCK_STREAM, 0).Value.CatalogEntryId);

        catalog.Insert(0, Chain(2001, [2000, 1001]));
        Assert.Equal(2001u, catalog.FindEntry(AF_INET, SOCK_STREAM, 0).Value.CatalogEntryId);
        Assert.Equal([2001u, 2000u, 1001u], catalog.Entries.Select(e => e.CatalogEntryId));
    }

    [Fact]
    public void Entry_Constructor_ValidatesIdNameAndChain()
    {
        Assert.Throws<ArgumentException>(() => Base(0));
        Assert.Throws<ArgumentException>(() => new ProviderCatalogEntry(5, Guid.Empty, new string('x', 256), AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, s_unused));
        Assert.Throws<ArgumentException>(() => new ProviderCatalogEntry(5, Guid.Empty, "p", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, s_unused, [6]));
        Assert.Throws<ArgumentNullException>(() => new ProviderCatalogEntry(5, Guid.Empty, "p", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, null!));
        Assert.Equal("5 p chain [5]", new ProviderCatalogEntry(5, Guid.Empty, "p", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, s_unused).ToString());
    }

    [Fact]
    public void AddNamespace_RejectsAProviderIdServedByAnotherEntry()
    {
        var id = Guid.NewGuid();
        var catalog = new ProviderCatalog();
        catalog.AddNamespace(new NamespaceCatalogEntry("a", [id], _ => new FakeNamespaceProvider(id)));

        Assert.Throws<ArgumentException>(() => catalog.AddNamespace(new NamespaceCatalogEntry("b", [Guid.NewGuid(), id], _ => new FakeNamespaceProvider(id))));
        Assert.Throws<ArgumentException>(() => new NamespaceCatalogEntry("c", [], _ => new FakeNamespaceProvider()));
        Assert.Throws<ArgumentException>(() => new NamespaceCatalogEntry("d", [id, id], _ => new FakeNamespaceProvider(id)));
        Assert.Single(catalog.NamespaceEntries);
    }

    private static ProviderCatalogEntry Base(uint id)
        => new(id, ProviderOptions.DefaultProviderId, $"base {id}", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, s_unused);

    private static ProviderCatalogEntry Layered(uint id, AddressFamily af = AddressFamily.Unspecified, SocketType type = SocketType.Unknown, ProtocolType protocol = ProtocolType.Unspecified)
        => new(id, s_layerId, $"layer {id}", af, type, protocol, s_unused, []);

    private static ProviderCatalogEntry Chain(uint id, uint[] links)
        => new(id, s_layerId, $"chain {id}", AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, s_unused, links);
}
