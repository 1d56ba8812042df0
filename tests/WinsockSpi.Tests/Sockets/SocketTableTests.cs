using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Sockets;

public class SocketTableTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(SocketTable<object>.MaxSlots + 1)]
    public void Constructor_CapacityOutOfRange_Throws(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SocketTable<object>(capacity));
    }

    [Fact]
    public void TryAdd_GivesAHandleThatFindsTheItem()
    {
        var table = new SocketTable<object>(8);
        var item = new object();

        Assert.True(table.TryAdd(item, out var handle));

        Assert.Same(item, table.Find(handle));
        Assert.Equal(1, table.Count);
        Assert.Equal(8, table.Capacity);
        table.Validate();
    }

    [Fact]
    public void Handles_AreNeverZeroNorInvalid_AndHaveTheLowTwoBitsClear()
    {
        var table = new SocketTable<object>(1000);

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(table.TryAdd(new object(), out var handle));
            Assert.True(handle.IsValidValue);
            Assert.Equal(0UL, (ulong)handle.Value & 3);
            Assert.Equal(0UL, (ulong)handle.Value >> 63);
        }
    }

    [Fact]
    public void TryAdd_BeyondCapacity_Fails()
    {
        var table = new SocketTable<object>(2);
        Assert.True(table.TryAdd(new object(), out _));
        Assert.True(table.TryAdd(new object(), out _));

        Assert.False(table.TryAdd(new object(), out var handle));

        Assert.Equal(default, handle);
        Assert.Equal(2, table.Count);
        table.Validate();
    }

    [Fact]
    public void Remove_ReturnsTheItemOnce()
    {
        var table = new SocketTable<object>(4);
        var item = new object();
        table.TryAdd(item, out var handle);

        Assert.Same(item, table.Remove(handle));
        Assert.Null(table.Remove(handle));
        Assert.Null(table.Find(handle));
        Assert.Equal(0, table.Count);
        table.Validate();
    }

    [Fact]
    public void ReusedSlot_GetsANewGeneration_SoTheOldHandleFindsNothing()
    {
        var table = new SocketTable<object>(1);
        table.TryAdd(new object(), out var old);
        table.Remove(old);
        var item = new object();

        Assert.True(table.TryAdd(item, out var fresh));

        Assert.Equal(SlotOf(old), SlotOf(fresh));
        Assert.NotEqual(old, fresh);
        Assert.Null(table.Find(old));
        Assert.Null(table.Remove(old));
        Assert.Same(item, table.Find(fresh));
        Assert.Equal(1, table.SlotsUsed);
    }

    [Fact]
    public void ManyReuses_OfOneSlot_NeverRepeatAHandle()
    {
        var table = new SocketTable<object>(1);
        var seen = new HashSet<SocketHandle>();

        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(table.TryAdd(new object(), out var handle));
            Assert.True(seen.Add(handle));
            table.Remove(handle);
        }

        Assert.Equal(1, table.SlotsUsed);
    }

    [Fact]
    public void SlotWhoseGenerationIsExhausted_IsRetiredInsteadOfWrapping()
    {
        // Reaching the last generation takes 2^26 - 1 releases of one slot; the test jumps there by setting the
        // slot's generation directly, then checks that its release retires the slot rather than wrapping to an
        // old generation.
        const uint LastGeneration = (1u << 26) - 1;
        var table = new SocketTable<object>(2);
        table.TryAdd(new object(), out var first);
        table.Remove(first);
        var generations = (uint[])typeof(SocketTable<object>)
            .GetField("_generations", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(table)!;
        generations[SlotOf(first)] = LastGeneration;
        Assert.True(table.TryAdd(new object(), out var last));
        Assert.Equal(SlotOf(first), SlotOf(last));

        table.Remove(last);
        Assert.True(table.TryAdd(new object(), out var next));

        Assert.NotEqual(SlotOf(last), SlotOf(next));
        Assert.Equal(2, table.SlotsUsed);
        Assert.Null(table.Find(first));
        Assert.Null(table.Find(last));
        table.Validate();
    }

    [Fact]
    public void FreedSlots_AreReusedBeforeNewOnes()
    {
        var table = new SocketTable<object>(10);
        var handles = new SocketHandle[5];
        for (int i = 0; i < handles.Length; i++)
        {
            table.TryAdd(new object(), out handles[i]);
        }

        table.Remove(handles[2]);
        table.TryAdd(new object(), out var reused);

        Assert.Equal(SlotOf(handles[2]), SlotOf(reused));
        Assert.Equal(5, table.SlotsUsed);
    }

    [Fact]
    public void HandleOfAnotherTable_FindsNothing()
    {
        var a = new SocketTable<object>(4);
        var b = new SocketTable<object>(4);
        a.TryAdd(new object(), out var inA);
        b.TryAdd(new object(), out var inB);

        Assert.NotEqual(inA, inB);
        Assert.Equal(SlotOf(inA), SlotOf(inB));
        Assert.Null(b.Find(inA));
        Assert.Null(a.Find(inB));
        Assert.Null(b.Remove(inA));
        Assert.Equal(1, b.Count);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(4UL)]
    public void ForgedHandles_FindNothing(ulong value)
    {
        var table = new SocketTable<object>(4);
        table.TryAdd(new object(), out _);

        Assert.Null(table.Find(new SocketHandle((nuint)value)));
        Assert.Null(table.Remove(new SocketHandle((nuint)value)));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void LiveHandleWithLowBitsSet_FindsNothing()
    {
        var table = new SocketTable<object>(4);
        table.TryAdd(new object(), out var handle);

        Assert.Null(table.Find(new SocketHandle(handle.Value | 1)));
        Assert.Null(table.Find(new SocketHandle(handle.Value | 2)));
        Assert.NotNull(table.Find(handle));
    }

    [Fact]
    public void Clear_ReleasesEveryHandle_AndNoneOfThemComesBack()
    {
        var table = new SocketTable<object>(100);
        var old = new List<SocketHandle>();
        for (int i = 0; i < 100; i++)
        {
            table.TryAdd(new object(), out var h);
            old.Add(h);
        }

        table.Clear();

        Assert.Equal(0, table.Count);
        Assert.All(old, h => Assert.Null(table.Find(h)));
        table.Validate();
        for (int i = 0; i < 100; i++)
        {
            Assert.True(table.TryAdd(new object(), out var h));
            Assert.DoesNotContain(h, old);
        }

        Assert.Equal(100, table.SlotsUsed);
        Assert.All(old, h => Assert.Null(table.Find(h)));
    }

    [Fact]
    public void ForEach_VisitsLiveHandlesInSlotOrder()
    {
        var table = new SocketTable<string>(8);
        table.TryAdd("a", out var a);
        table.TryAdd("b", out var b);
        table.TryAdd("c", out var c);
        table.Remove(b);
        var visited = new List<(SocketHandle, string)>();

        table.ForEach(visited, (list, h, item) => list.Add((h, item)));

        Assert.Equal([(a, "a"), (c, "c")], visited);
    }

    [Fact]
    public void Table_GrowsBeyondItsInitialArrays()
    {
        var table = new SocketTable<object>(1000);
        var handles = new List<(SocketHandle Handle, object Item)>();

        for (int i = 0; i < 1000; i++)
        {
            var item = new object();
            Assert.True(table.TryAdd(item, out var h));
            handles.Add((h, item));
        }

        Assert.All(handles, p => Assert.Same(p.Item, table.Find(p.Handle)));
        Assert.Equal(1000, table.Count);
        Assert.Equal(handles.Count, handles.Select(p => p.Handle).Distinct().Count());
        table.Validate();
    }

    [Fact]
    public void Validate_PassesThroughChurn()
    {
        var table = new SocketTable<object>(64);
        var live = new List<SocketHandle>();
        var random = new Random(1234);

        for (int step = 0; step < 5000; step++)
        {
            if (live.Count > 0 && (live.Count == 64 || random.Next(2) == 0))
            {
                int i = random.Next(live.Count);
                Assert.NotNull(table.Remove(live[i]));
                live.RemoveAt(i);
            }
            else
            {
                Assert.True(table.TryAdd(new object(), out var h));
                live.Add(h);
            }

            Assert.Equal(live.Count, table.Count);
        }

        table.Validate();
        Assert.All(live, h => Assert.NotNull(table.Find(h)));
    }

    /// <summary>The slot of a handle: bits 2..21, per the layout the table documents.</summary>
    private static int SlotOf(SocketHandle handle) => (int)((ulong)handle.Value >> 2) & (SocketTable<object>.MaxSlots - 1);
}
