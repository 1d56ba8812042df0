using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace WinsockSpi;

/// <summary>
/// A Winsock version such as 2.2, convertible to and from the MAKEWORD version word (SEMANTICS.md ERR-3).
/// </summary>
/// <param name="Major">The major version, the low byte of the word.</param>
/// <param name="Minor">The minor version, the high byte of the word.</param>
/// <remarks>Versions compare by major first, then minor (STA-2). Formats as <c>"2.2"</c>.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "V2_2 reads as the version it names; the public contract uses these names.")]
public readonly record struct WinsockVersion(byte Major, byte Minor) : IComparable<WinsockVersion>, IComparable, ISpanFormattable
{
    /// <summary>Version 1.1.</summary>
    public static WinsockVersion V1_1 => new(1, 1);

    /// <summary>Version 2.0.</summary>
    public static WinsockVersion V2_0 => new(2, 0);

    /// <summary>Version 2.2, the only version current Windows providers support.</summary>
    public static WinsockVersion V2_2 => new(2, 2);

    /// <summary>Builds a version from a MAKEWORD word: low byte major, high byte minor.</summary>
    /// <param name="word">The version word, for example 0x0202 for 2.2.</param>
    /// <returns>The version.</returns>
    public static WinsockVersion FromWord(ushort word) => new((byte)(word & 0xFF), (byte)(word >> 8));

    /// <summary>Gives the MAKEWORD version word: low byte major, high byte minor.</summary>
    /// <returns>The version word, for example 0x0202 for 2.2.</returns>
    public ushort ToWord() => Winsock.MakeWord(Major, Minor);

    /// <inheritdoc/>
    public int CompareTo(WinsockVersion other) => ToSortKey().CompareTo(other.ToSortKey());

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        WinsockVersion v => CompareTo(v),
        _ => throw new ArgumentException("The object is not a WinsockVersion.", nameof(obj)),
    };

    /// <summary>Compares two versions, major first.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>Whether <paramref name="left"/> is older.</returns>
    public static bool operator <(WinsockVersion left, WinsockVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions, major first.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>Whether <paramref name="left"/> is newer.</returns>
    public static bool operator >(WinsockVersion left, WinsockVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions, major first.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>Whether <paramref name="left"/> is older or equal.</returns>
    public static bool operator <=(WinsockVersion left, WinsockVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions, major first.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>Whether <paramref name="left"/> is newer or equal.</returns>
    public static bool operator >=(WinsockVersion left, WinsockVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Gives the older of two versions.</summary>
    /// <param name="a">A version.</param>
    /// <param name="b">Another version.</param>
    /// <returns>The smaller one.</returns>
    public static WinsockVersion Min(WinsockVersion a, WinsockVersion b) => a <= b ? a : b;

    /// <summary>Parses <c>"major.minor"</c>, each part 0..255.</summary>
    /// <param name="text">The text, for example <c>"2.2"</c>.</param>
    /// <returns>The version.</returns>
    /// <exception cref="FormatException">The text is not two dot-separated numbers from 0 to 255.</exception>
    public static WinsockVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a Winsock version of the form major.minor (each 0..255).");
    }

    /// <summary>Tries to parse <c>"major.minor"</c>, each part 0..255.</summary>
    /// <param name="text">The text.</param>
    /// <param name="version">The version when the text is valid.</param>
    /// <returns>Whether the text was valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out WinsockVersion version)
    {
        version = default;
        if (text is null)
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        int dot = span.IndexOf('.');
        if (dot <= 0 || dot == span.Length - 1)
        {
            return false;
        }

        if (!byte.TryParse(span[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ||
            !byte.TryParse(span[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new WinsockVersion(major, minor);
        return true;
    }

    /// <summary>Formats as <c>"major.minor"</c>.</summary>
    /// <returns>For example <c>"2.2"</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
        => destination.TryWrite(CultureInfo.InvariantCulture, $"{Major}.{Minor}", out charsWritten);

    private int ToSortKey() => (Major << 8) | Minor;
}
