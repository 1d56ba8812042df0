namespace WinsockSpi.Provider;

/// <summary>
/// The three sets of one select, copied into one array (read entries, then write, then except) with a ready flag per
/// entry. Kept per thread and reused, so a select allocates nothing once its thread has selected over as many handles.
/// </summary>
internal sealed class SelectSets
{
    public SocketHandle[] Handles = [];
    public bool[] Ready = [];

    /// <summary>Gets the end (exclusive) of the read entries in <see cref="Handles"/>.</summary>
    public int ReadEnd { get; private set; }

    /// <summary>Gets the end (exclusive) of the write entries; the except entries follow up to <see cref="Total"/>.</summary>
    public int WriteEnd { get; private set; }

    /// <summary>Gets the number of entries over the three sets.</summary>
    public int Total { get; private set; }

    /// <summary>Copies the caller's sets (read once, with no lock held).</summary>
    public void Load(IList<SocketHandle>? read, IList<SocketHandle>? write, IList<SocketHandle>? except)
    {
        int total = (read?.Count ?? 0) + (write?.Count ?? 0) + (except?.Count ?? 0);
        if (Handles.Length < total)
        {
            Handles = new SocketHandle[total];
            Ready = new bool[total];
        }

        int n = Append(read, 0);
        ReadEnd = n;
        n = Append(write, n);
        WriteEnd = n;
        Total = Append(except, n);
    }

    /// <summary>Leaves only the ready entries in the caller's sets, in their order (written once, with no lock held).</summary>
    public void Store(IList<SocketHandle>? read, IList<SocketHandle>? write, IList<SocketHandle>? except)
    {
        Keep(read, 0, ReadEnd);
        Keep(write, ReadEnd, WriteEnd);
        Keep(except, WriteEnd, Total);
    }

    /// <summary>Forgets the entries (the handles are plain values; nothing is kept alive).</summary>
    public void Clear() => Total = ReadEnd = WriteEnd = 0;

    private int Append(IList<SocketHandle>? set, int at)
    {
        if (set is null)
        {
            return at;
        }

        int count = set.Count;
        for (int i = 0; i < count; i++)
        {
            Handles[at++] = set[i];
        }

        return at;
    }

    private void Keep(IList<SocketHandle>? set, int start, int end)
    {
        if (set is null)
        {
            return;
        }

        int kept = 0;
        for (int i = start; i < end; i++)
        {
            if (Ready[i])
            {
                set[kept++] = Handles[i];
            }
        }

        while (set.Count > kept)
        {
            set.RemoveAt(set.Count - 1);
        }
    }
}
