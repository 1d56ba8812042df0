using WinsockSpi.Provider;

namespace WinsockSpi.Layering;

/// <summary>
/// A procedure table (WSPPROC_TABLE, plus the WSPStartup export): what a layered provider receives from the provider
/// below it. Unlike an <see cref="IWspProvider"/>, a table can lack entries, which is how a bogus table is modelled
/// (LSP-2).
/// </summary>
/// <remarks>
/// <para>A table is a provider seen through the list of its entries: <see cref="FromProvider"/> takes every entry from
/// a provider, and <see cref="Without(WspEntry)"/> leaves one out (a NULL function pointer). The entries themselves are
/// the members of <see cref="IWspProvider"/>, one per <see cref="WspEntry"/>, so the list of entry points is written
/// down once, in that interface. To replace an entry, give the table a provider whose member does what you want (a
/// <see cref="LayeredProvider"/> with an <see cref="ILayerInterceptor"/>, or any <see cref="IWspProvider"/>).</para>
/// <para>A table is immutable and thread-safe to read.</para>
/// <para>Source: the Microsoft reference pages "WSPPROC_TABLE structure" and "WSPStartup function" (lpProcTable), and
/// "Windows Sockets Error Codes", which says WSAEINVALIDPROCTABLE is returned when a provider hands back a bogus
/// table, usually one with a NULL function pointer.</para>
/// </remarks>
public sealed class WspProcTable
{
    private static readonly WspEntry[] s_entries = Enum.GetValues<WspEntry>();
    private static readonly ulong s_all = (1UL << s_entries.Length) - 1;

    private readonly IWspProvider? _provider;
    private readonly ulong _present;

    /// <summary>Creates an empty table: every entry is missing.</summary>
    public WspProcTable()
    {
    }

    private WspProcTable(IWspProvider provider, Guid providerId, ulong present)
    {
        _provider = provider;
        _present = present;
        ProviderId = providerId;
    }

    /// <summary>Gets the id (catalog GUID) of the provider the table belongs to.</summary>
    public Guid ProviderId { get; init; }

    /// <summary>Gets whether every entry is present: only then may a layer use the table (LSP-2).</summary>
    public bool IsComplete => _present == s_all;

    /// <summary>Gets the names of the missing entries (the <see cref="WspEntry"/> names), in table order; empty when complete.</summary>
    public IReadOnlyList<string> MissingEntries
    {
        get
        {
            var missing = new List<string>();
            foreach (var entry in s_entries)
            {
                if (!HasEntry(entry))
                {
                    missing.Add(entry.ToString());
                }
            }

            return missing;
        }
    }

    /// <summary>Builds the complete table of <paramref name="provider"/>: each entry calls the provider's member.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is <see langword="null"/>.</exception>
    public static WspProcTable FromProvider(IWspProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new WspProcTable(provider, provider.ProviderId, s_all);
    }

    /// <summary>Gets whether the table has <paramref name="entry"/> (a non-NULL function pointer).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>Whether it is present.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entry"/> is not a defined entry.</exception>
    public bool HasEntry(WspEntry entry) => (_present & Bit(entry)) != 0;

    /// <summary>Returns a copy of the table with <paramref name="entry"/> missing (a NULL function pointer, LSP-2).</summary>
    /// <param name="entry">The entry to leave out.</param>
    /// <returns>The new table; this one is unchanged.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entry"/> is not a defined entry.</exception>
    public WspProcTable Without(WspEntry entry)
    {
        ulong bit = Bit(entry);
        return _provider is null ? this : new WspProcTable(_provider, ProviderId, _present & ~bit);
    }

    /// <summary>Returns a copy of the table with the entry named <paramref name="entryName"/> missing (LSP-2).</summary>
    /// <param name="entryName">A <see cref="WspEntry"/> name, for example <c>"Send"</c> (case-sensitive).</param>
    /// <returns>The new table; this one is unchanged.</returns>
    /// <exception cref="ArgumentException"><paramref name="entryName"/> names no entry.</exception>
    public WspProcTable Without(string entryName)
    {
        ArgumentNullException.ThrowIfNull(entryName);
        if (!Enum.TryParse<WspEntry>(entryName, ignoreCase: false, out var entry) || !Enum.IsDefined(entry) || int.TryParse(entryName, out _))
        {
            throw new ArgumentException($"'{entryName}' names no entry of the procedure table.", nameof(entryName));
        }

        return Without(entry);
    }

    /// <summary>
    /// Gives the provider behind a complete table, so that it can be used wherever a provider is expected (in a
    /// catalog, under a layer).
    /// </summary>
    /// <returns>The provider the table was built from.</returns>
    /// <exception cref="InvalidOperationException">The table is not complete (<see cref="MissingEntries"/> says what lacks).</exception>
    public IWspProvider ToProvider()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"The procedure table lacks {string.Join(", ", MissingEntries)}; only a complete table can act as a provider.");
        }

        return _provider!;
    }

    /// <summary>Shows the provider id and what is missing.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var missing = MissingEntries;
        return missing.Count == 0
            ? $"proc table of {ProviderId:B} (complete)"
            : $"proc table of {ProviderId:B} (missing {string.Join(", ", missing)})";
    }

    private static ulong Bit(WspEntry entry) => Enum.IsDefined(entry)
        ? 1UL << (int)entry
        : throw new ArgumentOutOfRangeException(nameof(entry), entry, "Not an entry of the procedure table.");
}
