using System.Globalization;

namespace WinsockSpi.Faults;

/// <summary>One fault of a <see cref="FaultPlan"/>, and how many times it fired.</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class Fault
{
    private int _fired;

    internal Fault(FaultKind kind, SpiCall call, long n, WsaError error)
    {
        Kind = kind;
        Call = call;
        N = n;
        Error = error;
    }

    /// <summary>Gets what the fault does.</summary>
    public FaultKind Kind { get; }

    /// <summary>Gets the call a <see cref="FaultKind.FailCall"/> fault fails (unused by the other kinds).</summary>
    public SpiCall Call { get; }

    /// <summary>Gets the N of the fault: which call (from 1), after how many bytes, or at which step (from 1).</summary>
    public long N { get; }

    /// <summary>Gets the error a <see cref="FaultKind.FailCall"/> fault returns.</summary>
    public WsaError Error { get; }

    /// <summary>Gets how many times the fault fired (a byte fault fires once per connection it reset or stalled).</summary>
    public int FiredCount => Volatile.Read(ref _fired);

    /// <summary>Describes the fault and its count, for example <c>fail Send #3 with WSAECONNRESET (fired 1)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Describe() + " (fired " + FiredCount.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>Describes the fault without its count.</summary>
    /// <returns>The text.</returns>
    public string Describe() => Kind switch
    {
        FaultKind.FailCall => $"fail {Call} #{N.ToString(CultureInfo.InvariantCulture)} with {Error.ToSymbol()}",
        FaultKind.ResetAfterBytes => $"reset each connection after {N.ToString(CultureInfo.InvariantCulture)} bytes sent",
        FaultKind.StallAfterBytes => $"stall each connection after {N.ToString(CultureInfo.InvariantCulture)} bytes sent",
        _ => $"take the network down at step {N.ToString(CultureInfo.InvariantCulture)}",
    };

    internal void Fire() => Interlocked.Increment(ref _fired);
}
