using WinsockSpi.Operations;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Operations;

/// <summary>Unit tests of <see cref="WsaEvent"/>: a manual-reset event whose waits accept any timeout.</summary>
public sealed class WsaEventTests
{
    public static TheoryData<TimeSpan> LongTimeouts => new()
    {
        TimeSpan.FromMilliseconds(int.MaxValue) + TimeSpan.FromMilliseconds(1),
        TimeSpan.FromDays(60),
        TimeSpan.MaxValue,
        Timeout.InfiniteTimeSpan,
    };

    [Fact]
    public void New_IsResetUnlessAskedOtherwise()
    {
        using var reset = new WsaEvent();
        using var set = new WsaEvent(initialState: true);

        Assert.False(reset.IsSet);
        Assert.False(reset.Wait(TimeSpan.Zero));
        Assert.True(set.IsSet);
        Assert.True(set.Wait(TimeSpan.Zero));
    }

    [Fact]
    public void SetCount_CountsOnlyTransitionsFromResetToSet()
    {
        using var ev = new WsaEvent();

        ev.Set();
        ev.Set();
        Assert.Equal(1, ev.SetCount);

        ev.Reset();
        Assert.False(ev.IsSet);
        ev.Set();
        Assert.Equal(2, ev.SetCount);
        Assert.True(ev.IsSet);
    }

    [Theory]
    [MemberData(nameof(LongTimeouts))]
    public void Wait_AnyLongTimeout_IsAccepted_WhenAlreadySet(TimeSpan timeout)
    {
        using var ev = new WsaEvent(initialState: true);

        Assert.True(ev.Wait(timeout));
    }

    [Theory]
    [MemberData(nameof(LongTimeouts))]
    public void Wait_AnyLongTimeout_BlocksUntilAnotherThreadSets(TimeSpan timeout)
    {
        using var ev = new WsaEvent();

        var waiter = TestThreads.Start(() => ev.Wait(timeout));
        TestThreads.SpinUntil(() => ev.WaiterCount == 1 || waiter.IsCompleted, "the waiter waits");
        Assert.False(waiter.IsCompleted, "The wait ended before the event was set.");
        ev.Set();

        Assert.True(TestThreads.Join(waiter));
        Assert.Equal(0, ev.WaiterCount);
    }

    [Fact]
    public void Wait_ShortTimeout_ReturnsFalse_WhenNobodySets()
    {
        using var ev = new WsaEvent();

        Assert.False(ev.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, ev.WaiterCount);
    }

    [Fact]
    public void Set_WakesEveryWaiter()
    {
        using var ev = new WsaEvent();

        var first = TestThreads.Start(() => ev.Wait(TimeSpan.FromDays(30)));
        var second = TestThreads.Start(() => ev.Wait(Timeout.InfiniteTimeSpan));
        TestThreads.SpinUntil(() => ev.WaiterCount == 2, "both waiters wait");
        ev.Set();

        Assert.True(TestThreads.Join(first));
        Assert.True(TestThreads.Join(second));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-1000)]
    public void Wait_NegativeTimeoutOtherThanInfinite_IsArgumentOutOfRange(int milliseconds)
    {
        using var ev = new WsaEvent(initialState: true);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ev.Wait(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal("timeout", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ev.Wait(TimeSpan.MinValue));
    }

    [Fact]
    public void Dispose_RefusesLaterWaitsAndResets_ButASetStillLands()
    {
        var ev = new WsaEvent();
        ev.Dispose();
        ev.Dispose();

        ev.Set();

        Assert.True(ev.IsSet);
        Assert.Equal(1, ev.SetCount);
        Assert.Throws<ObjectDisposedException>(() => ev.Wait(TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(ev.Reset);
    }
}
