using Microsoft.Extensions.Time.Testing;

namespace WinsockSpi.Tests.TestKit;

/// <summary>A fake clock whose timers can be made to fail, as user code injected through <see cref="TimeProvider"/> may.</summary>
internal sealed class ThrowingTimeProvider : FakeTimeProvider
{
    /// <summary>Gets or sets whether the next <see cref="CreateTimer"/> throws.</summary>
    public bool Throw { get; set; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Throw ? throw new InvalidOperationException("the user's clock failed") : base.CreateTimer(callback, state, dueTime, period);
}
