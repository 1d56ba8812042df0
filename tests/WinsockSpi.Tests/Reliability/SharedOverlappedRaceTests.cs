using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using WinsockSpi.Network;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// Stress, one overlapped object offered to two providers of one process at the same instant: exactly one start may
/// win (WSA_IO_PENDING), the other gives WSAEINVAL (OVL-7, OVL-11), both providers' bookkeeping holds, and the winner's
/// operation ends once, notified once, when its peer writes.
/// </summary>
public sealed class SharedOverlappedRaceTests
{
    private static int Rounds => SuiteLog.Long ? 300_000 : 5_000;

    /// <summary>The CI run stops early at this bound, on a loaded machine; the log prints the rounds it played.</summary>
    private static TimeSpan Budget => SuiteLog.Long ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(6);

    [Fact]
    [Trait("Suite", "Stress")]
    public async Task OneOverlapped_StartedOnTwoProvidersAtOnce_IsAcceptedByOneOnly()
    {
        var failures = await SuiteLog.Bounded(() =>
        {
            var network = new SimulatedNetwork();
            var time = new FakeTimeProvider();
            using var process = new SimulatedProcess(network, time);
            using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 0), 64);
            var a = Start(process, time, Guid.NewGuid());
            var b = Start(process, time, Guid.NewGuid());
            var (sa, peerA) = Connect(a, listener);
            var (sb, peerB) = Connect(b, listener);
            var found = new List<string>();
            using var start = new Barrier(2);
            var clock = Stopwatch.StartNew();
            int rounds = 0;
            for (; rounds < Rounds && found.Count == 0 && clock.Elapsed < Budget; rounds++)
            {
                var ev = new WsaEvent();
                var ov = new WsaOverlapped(ev);
                WsaError ra = WsaError.Success, rb = WsaError.Success;
                var other = new Thread(() =>
                {
                    start.SignalAndWait();
                    rb = b.Receive(sb, new byte[1], ov).Error;
                })
                { IsBackground = true };
                other.Start();
                start.SignalAndWait();
                ra = a.Receive(sa, new byte[1], ov).Error;
                if (!other.Join(TimeSpan.FromSeconds(10)))
                {
                    found.Add($"round {rounds}: the start on provider B did not return (hang)");
                    break;
                }

                int pending = (ra == WsaError.IOPending ? 1 : 0) + (rb == WsaError.IOPending ? 1 : 0);
                if (pending != 1 || (ra != WsaError.IOPending && ra != WsaError.InvalidArgument) || (rb != WsaError.IOPending && rb != WsaError.InvalidArgument))
                {
                    found.Add($"round {rounds}: provider A gave {ra.ToSymbol()}, provider B {rb.ToSymbol()}; exactly one may accept the object (OVL-11)");
                }

                try
                {
                    a.ValidateInvariants();
                    b.ValidateInvariants();
                }
                catch (InvalidOperationException e)
                {
                    found.Add($"round {rounds}: bookkeeping broken: {e.Message}");
                    break;
                }

                // The winner's peer writes one byte; the operation ends once and its event is set once.
                var winnerPeer = ra == WsaError.IOPending ? peerA : peerB;
                var write = Task.Run(() => winnerPeer.Write([7]));
                if (!write.Wait(TimeSpan.FromSeconds(10)))
                {
                    found.Add($"round {rounds}: the peer's write did not return (hang)");
                    break;
                }

                if (ov.Status != OperationStatus.Completed || ov.BytesTransferred != 1 || ev.SetCount != 1)
                {
                    found.Add($"round {rounds}: the operation ended {ov} with its event set {ev.SetCount} times");
                }
            }

            SuiteLog.Write($"stress/shared-overlapped: {rounds:N0} rounds in {clock.Elapsed.TotalSeconds:F1} s, {found.Count} failures");
            process.Terminate();
            return found;
        });

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static ProviderRuntime Start(SimulatedProcess process, TimeProvider time, Guid id)
    {
        var provider = new ProviderRuntime(new ProviderOptions { Process = process, TimeProvider = time, ProviderId = id, SendBufferSize = 64 });
        Assert.Equal(WsaError.Success, provider.Startup(WinsockVersion.V2_2, out _, new ProcessUpcalls(process)));
        return provider;
    }

    private static (SocketHandle Socket, RemotePeer Peer) Connect(ProviderRuntime provider, PeerListener listener)
    {
        var s = provider.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ThrowIfFailed();
        provider.Connect(s, listener.EndPoint).ThrowIfFailed();
        return (s, listener.Accept());
    }
}
