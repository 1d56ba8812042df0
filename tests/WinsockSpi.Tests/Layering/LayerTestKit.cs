using System.Net;
using System.Net.Sockets;
using NSubstitute;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Processes;
using WinsockSpi.Provider;

namespace WinsockSpi.Tests.Layering;

/// <summary>Arrangements shared by the layering tests, and readers of what the NSubstitute doubles received.</summary>
internal static class LayerTestKit
{
    /// <summary>Opens a stream socket through <paramref name="provider"/> and connects it to a new peer listener.</summary>
    public static (SocketHandle Socket, RemotePeer Peer) Connect(IWspProvider provider, SimulatedNetwork network)
    {
        var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var socket = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        provider.Connect(socket, listener.EndPoint).ThrowIfFailed();
        return (socket, listener.Accept());
    }

    /// <summary>A layered provider over <paramref name="runtime"/>, started through the process's own upcall table.</summary>
    public static LayeredProvider Started(ProviderRuntime runtime, ILayerInterceptor interceptor)
    {
        var layer = new LayeredProvider(runtime, new LayeredProviderOptions { Interceptor = interceptor });
        Assert.Equal(WsaError.Success, layer.Startup(WinsockVersion.V2_2, out _, Upcalls(runtime.Process)));
        return layer;
    }

    /// <summary>Opens a UDP socket through <paramref name="provider"/>, bound to loopback on a free port.</summary>
    public static SocketHandle BoundDatagram(IWspProvider provider)
    {
        var s = provider.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).ThrowIfFailed();
        provider.Bind(s, new IPEndPoint(IPAddress.Loopback, 0)).ThrowIfFailed();
        return s;
    }

    /// <summary>An interceptor that lets every call through and records what it sees.</summary>
    public static ILayerInterceptor Interceptor() => Substitute.For<ILayerInterceptor>();

    /// <summary>Makes <paramref name="interceptor"/> refuse the calls of <paramref name="entry"/> with <paramref name="error"/>.</summary>
    public static ILayerInterceptor Refusing(this ILayerInterceptor interceptor, WspEntry entry, WsaError error)
    {
        interceptor.OnCalling(Arg.Is<LayerCall>(c => c.Entry == entry)).Returns(error);
        return interceptor;
    }

    /// <summary>The process's own upcall table, recording the upcalls that reach it.</summary>
    public static IUpcalls Upcalls(SimulatedProcess process) => Substitute.ForTypeForwardingTo<IUpcalls, ProcessUpcalls>(process);

    /// <summary>The calls the interceptor saw handled, in order, with their outcomes.</summary>
    public static IReadOnlyList<(LayerCall Call, LayerCallResult Result)> Calls(this ILayerInterceptor interceptor)
        => [.. Received(interceptor, nameof(ILayerInterceptor.OnCalled)).Select(a => ((LayerCall)a[0]!, (LayerCallResult)a[1]!))];

    public static IReadOnlyList<(LayerCall Call, LayerCallResult Result)> CallsOf(this ILayerInterceptor interceptor, WspEntry entry)
        => [.. interceptor.Calls().Where(c => c.Call.Entry == entry)];

    /// <summary>How many calls the interceptor was asked about before they were handled.</summary>
    public static int CallingCount(this ILayerInterceptor interceptor) => Received(interceptor, nameof(ILayerInterceptor.OnCalling)).Count();

    public static IReadOnlyList<LayerUpcall> UpcallsOf(this ILayerInterceptor interceptor, LayerUpcallKind kind)
        => [.. Received(interceptor, nameof(ILayerInterceptor.OnUpcall)).Select(a => (LayerUpcall)a[0]!).Where(u => u.Kind == kind)];

    /// <summary>How many completions (WPUCompleteOverlappedRequest) reached the table.</summary>
    public static int Completions(this IUpcalls upcalls) => Received(upcalls, nameof(IUpcalls.CompleteOverlappedRequest)).Count();

    /// <summary>How many APCs (WPUQueueApc) reached the table.</summary>
    public static int Apcs(this IUpcalls upcalls) => Received(upcalls, nameof(IUpcalls.QueueApc)).Count();

    private static IEnumerable<object?[]> Received(object substitute, string member)
        => substitute.ReceivedCalls().Where(c => c.GetMethodInfo().Name == member).Select(c => c.GetArguments());
}
