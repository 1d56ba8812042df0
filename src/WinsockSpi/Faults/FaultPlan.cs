using System.Globalization;
using System.Text;

namespace WinsockSpi.Faults;

/// <summary>
/// Faults to inject into a simulated network or provider: fail the Nth call of a kind with a chosen error, reset or
/// stall a connection after N bytes, take the network down at a step, fail a (lower) provider's startup. Each
/// <see cref="Fault"/> reports how many times it fired. A plan built by <see cref="FromSeed"/> is random but replays
/// exactly from its seed.
/// </summary>
/// <remarks>
/// <para>Give the plan to <c>SimulatedNetwork.Faults</c> (every provider and connection of the network counts against
/// it) or to one <c>ProviderRuntime.Faults</c> (that provider's calls and the connections its sockets make or accept).
/// Calls are counted per kind, from 1, in the order the providers see them; steps count every call of every kind.</para>
/// <para>A failed call does nothing but return its error: no state of the provider changes, as when a real provider
/// fails a call before it starts it.</para>
/// <para>Thread-safe. Faults may be added while the plan is in use.</para>
/// </remarks>
public sealed class FaultPlan
{
    /// <summary>The environment variable that <see cref="Explore"/> reads to replay one seed.</summary>
    public const string SeedVariable = "WINSOCKSPI_FAULT_SEED";

    private static readonly SpiCall[] s_seededCalls =
        [SpiCall.Socket, SpiCall.Connect, SpiCall.Accept, SpiCall.Send, SpiCall.Receive, SpiCall.CloseSocket, SpiCall.Startup];

    private readonly Lock _lock = new();
    private readonly List<Fault> _faults = [];
    private readonly long[] _calls = new long[Enum.GetValues<SpiCall>().Length];
    private long _steps;
    private long _byteLimit = long.MaxValue;
    private Fault? _byteFault;

    /// <summary>Creates an empty plan.</summary>
    public FaultPlan()
    {
    }

    private FaultPlan(int seed) => Seed = seed;

    /// <summary>Gets the seed the plan was built from, or <see langword="null"/> when it was built by hand.</summary>
    public int? Seed { get; }

    /// <summary>Gets the faults, in the order they were added.</summary>
    public IReadOnlyList<Fault> Faults
    {
        get
        {
            lock (_lock)
            {
                return _faults.ToArray();
            }
        }
    }

    /// <summary>Gets how many service-provider calls the plan has seen (the current step).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Gets the code that rebuilds this plan, for example <c>FaultPlan.FromSeed(1234)</c>, or <see langword="null"/> for a plan built by hand.</summary>
    public string? ReplayCode => Seed is { } seed ? "FaultPlan.FromSeed(" + seed.ToString(CultureInfo.InvariantCulture) + ")" : null;

    /// <summary>
    /// Builds a random plan from <paramref name="seed"/>: one to three faults among failed calls (of socket, connect,
    /// accept, send, receive, close or startup), a reset after a few bytes, and the network going down at a step. The same
    /// seed always gives the same plan (<see cref="Random(int)"/> is stable across runs and platforms). A plan from a seed
    /// never stalls a connection, so code that blocks cannot hang on it.
    /// </summary>
    /// <param name="seed">The seed.</param>
    /// <returns>The plan.</returns>
    public static FaultPlan FromSeed(int seed)
    {
        var random = new Random(seed);
        var plan = new FaultPlan(seed);
        int count = random.Next(1, 4);
        for (int i = 0; i < count; i++)
        {
            switch (random.Next(6))
            {
                case 4:
                    plan.ResetAfterBytes(random.Next(1, 65));
                    break;
                case 5:
                    plan.NetworkDownAt(random.Next(2, 16));
                    break;
                default:
                    var call = s_seededCalls[random.Next(s_seededCalls.Length)];
                    plan.FailCall(call, random.Next(1, 4), ErrorFor(call, random));
                    break;
            }
        }

        return plan;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> once for each seed from <paramref name="firstSeed"/>, each with a new
    /// <see cref="FromSeed"/> plan; when the variable <see cref="SeedVariable"/> is set, runs that seed only (the replay).
    /// A scenario that throws stops the run with a <see cref="FaultPlanException"/> that prints the seed, the plan and
    /// how to replay it.
    /// </summary>
    /// <param name="firstSeed">The first seed.</param>
    /// <param name="count">How many seeds to run.</param>
    /// <param name="scenario">The scenario; it attaches the plan it is given to its network or provider.</param>
    /// <returns>The number of seeds run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    /// <exception cref="FaultPlanException">A seed's run threw.</exception>
    public static int Explore(int firstSeed, int count, Action<FaultPlan> scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int only))
        {
            firstSeed = only;
            count = 1;
        }

        for (int i = 0; i < count; i++)
        {
            var plan = FromSeed(unchecked(firstSeed + i));
            try
            {
                scenario(plan);
            }
            catch (Exception ex)
            {
                throw new FaultPlanException(plan, ex);
            }
        }

        return count;
    }

    /// <summary>Fails the <paramref name="nth"/> call of kind <paramref name="call"/> with <paramref name="error"/>.</summary>
    /// <param name="call">The kind of call.</param>
    /// <param name="nth">Which call, from 1.</param>
    /// <param name="error">The error it returns (not <see cref="WsaError.Success"/>).</param>
    /// <returns>The fault, to read its count.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nth"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="error"/> is <see cref="WsaError.Success"/>.</exception>
    public Fault FailCall(SpiCall call, long nth, WsaError error)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        if (error == WsaError.Success)
        {
            throw new ArgumentException("A failed call needs an error.", nameof(error));
        }

        return Add(new Fault(FaultKind.FailCall, call, nth, error));
    }

    /// <summary>
    /// Fails the <paramref name="nth"/> startup with <paramref name="error"/>. Given to the lower provider of a layered
    /// provider, the layer's startup fails with WSAEPROVIDERFAILEDINIT and keeps the lower code (LSP-2).
    /// </summary>
    /// <param name="error">The error the startup returns.</param>
    /// <param name="nth">Which startup, from 1.</param>
    /// <returns>The fault.</returns>
    public Fault FailStartup(WsaError error = WsaError.SystemNotReady, long nth = 1) => FailCall(SpiCall.Startup, nth, error);

    /// <summary>Resets each connection (as if its remote end sent RST) once its socket has sent <paramref name="bytes"/> bytes.</summary>
    /// <param name="bytes">The bytes a connection carries before it is reset; 0 resets it at its first send.</param>
    /// <returns>The fault; it fires once per connection it resets.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public Fault ResetAfterBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return Add(new Fault(FaultKind.ResetAfterBytes, default, bytes, WsaError.ConnectionReset));
    }

    /// <summary>Lets each connection take only <paramref name="bytes"/> bytes from its socket: later sends pend (a stalled peer).</summary>
    /// <param name="bytes">The bytes a connection carries.</param>
    /// <returns>The fault; it fires once per connection it stalls.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public Fault StallAfterBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return Add(new Fault(FaultKind.StallAfterBytes, default, bytes, WsaError.Success));
    }

    /// <summary>Takes the network down (<c>IsAvailable</c> false) just before the <paramref name="step"/>th call the plan sees.</summary>
    /// <param name="step">The step, from 1.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1.</exception>
    public Fault NetworkDownAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        return Add(new Fault(FaultKind.NetworkDown, default, step, WsaError.NetworkDown));
    }

    /// <summary>Describes the plan: its seed and how to replay it, and each fault with its count.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("fault plan");
        if (Seed is { } seed)
        {
            text.Append(" from seed ").Append(seed.ToString(CultureInfo.InvariantCulture))
                .Append(" (replay: ").Append(ReplayCode).Append(", or set ").Append(SeedVariable).Append('=')
                .Append(seed.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        var faults = Faults;
        text.Append(faults.Count == 0 ? ": no faults" : ": ");
        for (int i = 0; i < faults.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : "; ").Append(faults[i]);
        }

        return text.ToString();
    }

    /// <summary>
    /// Counts a call and decides its faults: the fault that fails it (or null), and whether the network must go down
    /// first (<paramref name="down"/>, fired already).
    /// </summary>
    internal Fault? OnCall(SpiCall call, out Fault? down)
    {
        down = null;
        lock (_lock)
        {
            long step = ++_steps;
            long n = ++_calls[(int)call];
            Fault? failing = null;
            foreach (var fault in _faults)
            {
                if (fault.Kind == FaultKind.NetworkDown && fault.N == step)
                {
                    fault.Fire();
                    down = fault;
                }
                else if (fault.Kind == FaultKind.FailCall && fault.Call == call && fault.N == n && failing is null)
                {
                    fault.Fire();
                    failing = fault;
                }
            }

            return failing;
        }
    }

    /// <summary>Gets the smallest byte limit of the plan's byte faults and the fault that sets it (null when none).</summary>
    internal Fault? ByteFault(out long limit)
    {
        lock (_lock)
        {
            limit = _byteLimit;
            return _byteFault;
        }
    }

    private static WsaError ErrorFor(SpiCall call, Random random) => call switch
    {
        SpiCall.Socket => random.Next(2) == 0 ? WsaError.TooManyOpenSockets : WsaError.NoBufferSpaceAvailable,
        SpiCall.Connect => random.Next(2) == 0 ? WsaError.ConnectionRefused : WsaError.NetworkDown,
        SpiCall.Startup => WsaError.SystemNotReady,
        SpiCall.CloseSocket => WsaError.NetworkDown,
        _ => random.Next(2) == 0 ? WsaError.ConnectionReset : WsaError.NetworkDown,
    };

    private Fault Add(Fault fault)
    {
        lock (_lock)
        {
            _faults.Add(fault);
            if (fault.Kind is FaultKind.ResetAfterBytes or FaultKind.StallAfterBytes && fault.N < _byteLimit)
            {
                _byteLimit = fault.N;
                _byteFault = fault;
            }
        }

        return fault;
    }
}
