using System.Net;
using System.Net.Sockets;
using WinsockSpi.Layering;
using WinsockSpi.Network;
using WinsockSpi.Operations;
using WinsockSpi.Processes;
using WinsockSpi.Provider;
using Xunit.Sdk;

namespace WinsockSpi.Tests.Layering;

/// <summary>
/// Property-style check of a three-level chain (top layer over middle layer over the base ProviderRuntime): random
/// sequences of startups, cleanups, direct clients of the lower levels, pending I/O and network failures, each step
/// checked against a model of every level's count.
/// </summary>
public class ChainBalanceTests
{
    private const int Seeds = 200;
    private const int Steps = 120;

    [Fact]
    [Trait("Rule", "LSP-1")]
    [Trait("Rule", "LSP-2")]
    [Trait("Rule", "CLN-4")]
    [Trait("Rule", "CLN-11")]
    public void LSP1_ThreeLevelChain_RandomSequences_EveryCountMatchesTheModelAfterEveryStep()
    {
        for (int seed = 1; seed <= Seeds; seed++)
        {
            using var run = new Run(seed);
            run.Execute();
        }
    }

    private sealed class Run : IDisposable
    {
        private readonly int _seed;
        private readonly Random _random;
        private readonly SimulatedNetwork _network = new();
        private readonly ProviderRuntime _base;
        private readonly LayeredProvider _middle;
        private readonly LayeredProvider _top;
        private readonly PeerListener _listener;
        private readonly List<WsaOverlapped> _pending = [];

        // The model: each level's count, and the part of the middle and base counts held by direct clients.
        private int _topCount, _middleCount, _baseCount, _directMiddle, _directBase;
        private int _step;
        private string _op = "setup";

        public Run(int seed)
        {
            _seed = seed;
            _random = new Random(seed);
            var process = new SimulatedProcess(_network);
            _base = new ProviderRuntime(new ProviderOptions { Process = process });
            _middle = new LayeredProvider(_base);
            _top = new LayeredProvider(_middle);
            _listener = _network.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        }

        private bool Available => _network.IsAvailable;

        public void Execute()
        {
            try
            {
                for (_step = 0; _step < Steps; _step++)
                {
                    DoStep(_random.Next(100));
                    CheckModel();
                }

                _op = "drain";
                while (_topCount > 0)
                {
                    TopCleanup();
                    CheckModel();
                }

                while (_directMiddle > 0)
                {
                    MiddleCleanup();
                    CheckModel();
                }

                while (_directBase > 0)
                {
                    BaseCleanup();
                    CheckModel();
                }

                Assert.Equal((0, 0, 0), (_top.StartupCount, _middle.StartupCount, _base.StartupCount));
                Assert.True(_base.IsUnloadReady);
                Assert.Equal(_top.LowerStartups, _top.LowerCleanups);
                Assert.Equal(_middle.LowerStartups, _middle.LowerCleanups);
                Assert.Equal(0, _network.GetClientProcessCount(_base.ProviderId));
                Assert.Empty(_pending);
            }
            catch (Exception ex) when (ex is not XunitException { Message: var m } || !m.StartsWith("seed ", StringComparison.Ordinal))
            {
                throw new XunitException($"seed {_seed}, step {_step}, {_op}: {ex.Message}", ex);
            }
        }

        public void Dispose()
        {
            _base.Process.Terminate();
            _base.Dispose();
        }

        private void DoStep(int dice)
        {
            switch (dice)
            {
                case < 25:
                    TopStartup();
                    break;
                case < 50:
                    TopCleanup();
                    break;
                case < 58:
                    MiddleStartup();
                    break;
                case < 66:
                    if (_directMiddle > 0)
                    {
                        MiddleCleanup();
                    }

                    break;
                case < 72:
                    BaseStartup();
                    break;
                case < 78:
                    if (_directBase > 0)
                    {
                        BaseCleanup();
                    }

                    break;
                case < 82:
                    _op = "top WSPStartup(1.1)";
                    Assert.Equal(WsaError.VersionNotSupported, _top.Startup(new WinsockVersion(1, 1), out _));
                    break;
                case < 92:
                    PendingReceive();
                    break;
                default:
                    _op = "toggle network";
                    _network.IsAvailable = !_network.IsAvailable;
                    break;
            }
        }

        private void TopStartup()
        {
            _op = "top WSPStartup";
            var error = _top.Startup(WinsockVersion.V2_2, out _);
            if (_topCount > 0 || StartMiddleModel())
            {
                Assert.Equal(WsaError.Success, error);
                _topCount++;
            }
            else
            {
                // LSP-2: the middle layer could not start the base (WSASYSNOTREADY) and failed with WSAEPROVIDERFAILEDINIT.
                Assert.Equal(WsaError.ProviderFailedInit, error);
                Assert.Equal(WsaError.ProviderFailedInit, _top.LastLowerStartupError);
                Assert.Equal(WsaError.SystemNotReady, _middle.LastLowerStartupError);
            }
        }

        private void TopCleanup()
        {
            _op = "top WSPCleanup";
            var result = _top.Cleanup();
            if (_topCount == 0)
            {
                Assert.Equal(WsaError.NotInitialized, result.Error);
                return;
            }

            var expected = --_topCount == 0 ? CleanupMiddleModel() : WsaError.Success;
            Assert.Equal(expected, result.Error);
        }

        private void MiddleStartup()
        {
            _op = "middle WSPStartup (direct client)";
            var error = _middle.Startup(WinsockVersion.V2_2, out _);
            if (_middleCount > 0)
            {
                Assert.Equal(WsaError.Success, error);
                _middleCount++;
                _directMiddle++;
            }
            else if (Available)
            {
                Assert.Equal(WsaError.Success, error);
                _baseCount++;
                _middleCount = 1;
                _directMiddle = 1;
            }
            else
            {
                Assert.Equal(WsaError.ProviderFailedInit, error);
            }
        }

        private void MiddleCleanup()
        {
            _op = "middle WSPCleanup (direct client)";
            var result = _middle.Cleanup();
            _directMiddle--;
            Assert.Equal(CleanupMiddleModel(), result.Error);
        }

        private void BaseStartup()
        {
            _op = "base WSPStartup (direct client)";
            var error = _base.Startup(WinsockVersion.V2_2, out _);
            if (Available)
            {
                Assert.Equal(WsaError.Success, error);
                _baseCount++;
                _directBase++;
            }
            else
            {
                // STA-6: refused while the network is down, whatever the count; nothing changes (STA-4).
                Assert.Equal(WsaError.SystemNotReady, error);
            }
        }

        private void BaseCleanup()
        {
            _op = "base WSPCleanup (direct client)";
            var result = _base.Cleanup();
            _directBase--;
            _baseCount--;

            // CLN-11: WSAENETDOWN while the network is down, but the reference is released all the same.
            Assert.Equal(Available ? WsaError.Success : WsaError.NetworkDown, result.Error);
        }

        private void PendingReceive()
        {
            _op = "pending receive through the top layer";
            var socket = _top.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (_topCount == 0)
            {
                Assert.Equal(WsaError.NotInitialized, socket.Error);
                return;
            }

            var s = socket.ThrowIfFailed();
            _top.Connect(s, _listener.EndPoint).ThrowIfFailed();
            Assert.True(_listener.TryAccept(out _));
            var ov = new WsaOverlapped(new WsaEvent());
            Assert.Equal(WsaError.IOPending, _top.Receive(s, new byte[4], ov).Error);
            _pending.Add(ov);
        }

        /// <summary>The middle layer's model when the top layer (or a direct client) starts it: true when it succeeds.</summary>
        private bool StartMiddleModel()
        {
            if (_middleCount > 0)
            {
                _middleCount++;
                return true;
            }

            if (!Available)
            {
                return false;
            }

            _baseCount++;
            _middleCount = 1;
            return true;
        }

        /// <summary>One cleanup of the middle layer in the model; gives the code it returns.</summary>
        private WsaError CleanupMiddleModel()
        {
            if (--_middleCount > 0)
            {
                return WsaError.Success;
            }

            _baseCount--;
            return Available ? WsaError.Success : WsaError.NetworkDown;
        }

        private void CheckModel()
        {
            Assert.Equal(_topCount, _top.StartupCount);
            Assert.Equal(_middleCount, _middle.StartupCount);
            Assert.Equal(_baseCount, _base.StartupCount);

            // LSP-1: each level's count is what the level above started and did not clean up, plus its direct clients.
            Assert.Equal(_middleCount, _top.LowerStartups - _top.LowerCleanups + _directMiddle);
            Assert.Equal(_baseCount, _middle.LowerStartups - _middle.LowerCleanups + _directBase);
            Assert.Equal(_topCount > 0 ? 1 : 0, _top.LowerStartups - _top.LowerCleanups);
            Assert.Equal(_middleCount > 0 ? 1 : 0, _middle.LowerStartups - _middle.LowerCleanups);
            _base.ValidateInvariants();

            if (_topCount > 0)
            {
                Assert.All(_pending, ov => Assert.True(ov.IsPending));
                Assert.Equal(_pending.Count, _base.Operations.PendingCount);
                return;
            }

            // CLN-4 through a layer: the top layer's final cleanup aborted every receive made through it silently,
            // whether the lower levels were cleaned up too or stay started for their direct clients.
            Assert.All(_pending, ov =>
            {
                Assert.Equal(WsaError.OperationAborted, ov.Error);
                Assert.False(ov.Event!.IsSet);
            });
            _pending.Clear();
            Assert.Equal(0, _base.Operations.PendingCount);
            if (_baseCount == 0)
            {
                Assert.True(_base.IsUnloadReady);
                Assert.Equal(0, _network.GetClientProcessCount(_base.ProviderId));
            }
        }
    }
}
