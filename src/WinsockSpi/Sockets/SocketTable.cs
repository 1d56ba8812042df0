using System.Diagnostics;

namespace WinsockSpi.Sockets;

/// <summary>
/// The slot array behind socket handles: O(1) add, find and remove, no allocation in steady state.
/// Not thread-safe: the owning provider's lock guards it.
/// </summary>
/// <remarks>
/// A handle value is <c>tag &lt;&lt; 48 | generation &lt;&lt; 22 | slot &lt;&lt; 2</c>: bit 63 is clear (so never
/// INVALID_SOCKET), the tag is at least 1 (so never 0), and the low two bits are clear like real handles.
/// A slot's generation grows on every release and survives the final cleanup, so no old handle ever
/// names a new socket; a slot whose generation is exhausted is retired, never reused.
/// </remarks>
internal sealed class SocketTable<T>
    where T : class
{
    public const int MaxSlots = 1 << SlotBits;
    private const int SlotBits = 20;
    private const int GenerationBits = 26;
    private const int TagBits = 15;
    private const uint MaxGeneration = (1u << GenerationBits) - 1;

    /// <summary>The number of tags one network can hand out (tag 0 is never used).</summary>
    public const int Tags = (1 << TagBits) - 1;

    private readonly ulong _tagBits;
    private readonly TagLease _lease;
    private T?[] _items;
    private uint[] _generations;
    private int[] _nextFree;
    private int _freeHead = -1;
    private int _slotsUsed;

    /// <summary>Creates a table whose tag comes from <see cref="HandleTags.Unscoped"/> (a table that belongs to no network).</summary>
    public SocketTable(int capacity)
        : this(capacity, HandleTags.Unscoped)
    {
    }

    public SocketTable(int capacity, HandleTags tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxSlots);
        Capacity = capacity;
        int initial = Math.Min(capacity, 64);
        _items = new T?[initial];
        _generations = new uint[initial];
        _nextFree = new int[initial];
        if (IntPtr.Size < sizeof(ulong))
        {
            throw new PlatformNotSupportedException("Socket handles carry 64 bits (tag, generation, slot); WinsockSpi runs in 64-bit processes only.");
        }

        _lease = new TagLease(tags, tags.Acquire());
        _tagBits = (ulong)_lease.Tag << (SlotBits + GenerationBits + 2);
    }

    public int Capacity { get; }

    /// <summary>Gets the table's tag: the high bits of its handles, unique among the live providers of its network.</summary>
    public int Tag => _lease.Tag;

    public int Count { get; private set; }

    /// <summary>Gets the number of slots ever handed out (live ones and free ones).</summary>
    public int SlotsUsed => _slotsUsed;

    public bool TryAdd(T item, out SocketHandle handle)
    {
        if (Count >= Capacity)
        {
            handle = default;
            return false;
        }

        int slot;
        if (_freeHead >= 0)
        {
            slot = _freeHead;
            _freeHead = _nextFree[slot];
        }
        else
        {
            if (_slotsUsed == MaxSlots)
            {
                // Every slot is live or retired: nothing left to hand out.
                handle = default;
                return false;
            }

            slot = _slotsUsed++;
            if (slot == _items.Length)
            {
                Grow();
            }

            _generations[slot] = 1;
        }

        Debug.Assert(_items[slot] is null, "A free slot holds no item.");
        _items[slot] = item;
        Count++;
        handle = Encode(slot, _generations[slot]);
        return true;
    }

    public T? Find(SocketHandle handle) => TryDecode(handle, out int slot) ? _items[slot] : null;

    public T? Remove(SocketHandle handle)
    {
        if (!TryDecode(handle, out int slot))
        {
            return null;
        }

        var item = _items[slot];
        Release(slot);
        return item;
    }

    /// <summary>
    /// Removes a handle that <see cref="Find"/> has just found live (the caller has held the table's lock since): the
    /// checks are not made again.
    /// </summary>
    public void RemoveFound(SocketHandle handle)
    {
        Debug.Assert(TryDecode(handle, out int found) && found == SlotOf(handle), "The handle was found live under the same lock.");
        Release(SlotOf(handle));
    }

    /// <summary>Calls <paramref name="visit"/> for every live handle, in slot order.</summary>
    public void ForEach<TState>(TState state, Action<TState, SocketHandle, T> visit)
    {
        for (int slot = 0; slot < _slotsUsed; slot++)
        {
            if (_items[slot] is { } item)
            {
                visit(state, Encode(slot, _generations[slot]), item);
            }
        }
    }

    /// <summary>Releases every live handle (the final cleanup: one linear pass).</summary>
    public void Clear()
    {
        for (int slot = 0; slot < _slotsUsed; slot++)
        {
            if (_items[slot] is not null)
            {
                Release(slot);
            }
        }
    }

    /// <summary>Throws when the free list and the live count disagree.</summary>
    public void Validate()
    {
        int live = 0;
        for (int slot = 0; slot < _slotsUsed; slot++)
        {
            if (_items[slot] is not null)
            {
                live++;
            }
        }

        if (live != Count)
        {
            throw new InvalidOperationException($"Socket table: {live} live slots but a count of {Count}.");
        }

        int free = 0;
        for (int slot = _freeHead; slot >= 0; slot = _nextFree[slot])
        {
            if (_items[slot] is not null || ++free > _slotsUsed)
            {
                throw new InvalidOperationException("Socket table: the free list is corrupt.");
            }
        }
    }

    /// <summary>
    /// Gives the table's tag back once its provider is unloaded. A table that is dropped without that gives its tag back
    /// when the collector finalizes it, so abandoned providers never use up the tags. Tags are handed out round-robin
    /// by the network's <see cref="HandleTags"/>, skipping those of tables still alive, so handles of two live providers
    /// of one network never coincide (SOC-1, PRC-3), and handle values depend only on what happened on that network.
    /// </summary>
    public void ReleaseTag() => _lease.Release();

    private void Release(int slot)
    {
        _items[slot] = null;
        Count--;
        if (_generations[slot] == MaxGeneration)
        {
            // Reusing the slot would wrap its generation and let an old handle alias a new socket: retire it.
            _generations[slot] = 0;
            return;
        }

        _generations[slot]++;
        _nextFree[slot] = _freeHead;
        _freeHead = slot;
    }

    private SocketHandle Encode(int slot, uint generation)
        => new((nuint)(_tagBits | ((ulong)generation << (SlotBits + 2)) | ((ulong)slot << 2)));

    private bool TryDecode(SocketHandle handle, out int slot)
    {
        ulong value = handle.Value;
        slot = SlotOf(handle);
        uint generation = (uint)((value >> (SlotBits + 2)) & MaxGeneration);
        return (value & ~((1UL << (SlotBits + GenerationBits + 2)) - 1)) == _tagBits
            && (value & 3) == 0
            && slot < _slotsUsed
            && generation != 0
            && _generations[slot] == generation
            && _items[slot] is not null;
    }

    private static int SlotOf(SocketHandle handle) => (int)(((ulong)handle.Value >> 2) & (MaxSlots - 1));

    private void Grow()
    {
        int size = Math.Min(_items.Length * 2, MaxSlots);
        Array.Resize(ref _items, size);
        Array.Resize(ref _generations, size);
        Array.Resize(ref _nextFree, size);
    }

    /// <summary>The table's hold on its tag: released by the provider's unload, or by the finalizer of a dropped table.</summary>
    private sealed class TagLease(HandleTags tags, int tag)
    {
        private int _released;

        ~TagLease() => Release();

        public int Tag { get; } = tag;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                tags.Release(Tag);
            }
        }
    }
}
