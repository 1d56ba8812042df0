namespace WinsockSpi.Tests;

public class WinsockVersionTests
{
    [Fact]
    public void NamedVersions_HaveTheirNumbers()
    {
        Assert.Equal(new WinsockVersion(1, 1), WinsockVersion.V1_1);
        Assert.Equal(new WinsockVersion(2, 0), WinsockVersion.V2_0);
        Assert.Equal(new WinsockVersion(2, 2), WinsockVersion.V2_2);
        Assert.Equal(0x0202, WinsockVersion.V2_2.ToWord());
    }

    [Fact]
    public void FromWordAndToWord_RoundTripEveryWord()
    {
        for (int word = 0; word <= ushort.MaxValue; word++)
        {
            var version = WinsockVersion.FromWord((ushort)word);

            Assert.Equal(word & 0xFF, version.Major);
            Assert.Equal(word >> 8, version.Minor);
            Assert.Equal((ushort)word, version.ToWord());
        }
    }

    [Theory]
    [InlineData("1.255", "2.0")]
    [InlineData("2.0", "2.1")]
    [InlineData("2.2", "3.0")]
    [InlineData("0.0", "0.1")]
    [InlineData("254.255", "255.0")]
    public void Comparison_IsMajorFirstThenMinor(string older, string newer)
    {
        var a = WinsockVersion.Parse(older);
        var b = WinsockVersion.Parse(newer);

        Assert.True(a < b);
        Assert.True(a <= b);
        Assert.True(b > a);
        Assert.True(b >= a);
        Assert.False(a > b);
        Assert.True(a.CompareTo(b) < 0);
        Assert.True(b.CompareTo(a) > 0);
        Assert.Equal(a, WinsockVersion.Min(a, b));
        Assert.Equal(a, WinsockVersion.Min(b, a));
    }

    [Fact]
    public void Comparison_EqualVersions()
    {
        var a = new WinsockVersion(2, 2);
        var b = WinsockVersion.V2_2;

        Assert.Equal(0, a.CompareTo(b));
        Assert.True(a <= b && a >= b);
        Assert.False(a < b || a > b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void CompareToObject_NullIsSmaller_OtherTypesAreRejected()
    {
        IComparable version = WinsockVersion.V2_2;

        Assert.True(version.CompareTo(null) > 0);
        Assert.Equal(0, version.CompareTo(WinsockVersion.V2_2));
        Assert.True(version.CompareTo(WinsockVersion.V1_1) > 0);
        Assert.Throws<ArgumentException>(() => version.CompareTo("2.2"));
    }

    [Fact]
    public void Sorting_OrdersByMajorThenMinor()
    {
        var versions = new[] { "2.2", "1.255", "3.0", "2.0", "1.1" }.Select(WinsockVersion.Parse).ToList();

        versions.Sort();

        Assert.Equal(["1.1", "1.255", "2.0", "2.2", "3.0"], versions.Select(v => v.ToString()));
    }

    [Theory]
    [InlineData("2.2", 2, 2)]
    [InlineData("1.1", 1, 1)]
    [InlineData("0.0", 0, 0)]
    [InlineData("255.255", 255, 255)]
    [InlineData(" 2.0 ", 2, 0)]
    public void Parse_ValidText_GivesTheVersion(string text, int major, int minor)
    {
        Assert.Equal(new WinsockVersion((byte)major, (byte)minor), WinsockVersion.Parse(text));
        Assert.True(WinsockVersion.TryParse(text, out var parsed));
        Assert.Equal(new WinsockVersion((byte)major, (byte)minor), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("2.")]
    [InlineData(".2")]
    [InlineData("2.2.2")]
    [InlineData("256.0")]
    [InlineData("2.256")]
    [InlineData("-1.0")]
    [InlineData("+2.2")]
    [InlineData("a.b")]
    public void Parse_InvalidText_Fails(string text)
    {
        Assert.False(WinsockVersion.TryParse(text, out var version));
        Assert.Equal(default, version);
        Assert.Throws<FormatException>(() => WinsockVersion.Parse(text));
    }

    [Fact]
    public void Parse_Null_Throws_TryParse_ReturnsFalse()
    {
        Assert.Throws<ArgumentNullException>(() => WinsockVersion.Parse(null!));
        Assert.False(WinsockVersion.TryParse(null, out _));
    }

    [Fact]
    public void Formatting_IsMajorDotMinor()
    {
        var version = new WinsockVersion(1, 255);
        Span<char> buffer = stackalloc char[8];

        Assert.Equal("1.255", version.ToString());
        Assert.Equal("v1.255", $"v{version}");
        Assert.True(version.TryFormat(buffer, out int written, default, null));
        Assert.Equal("1.255", buffer[..written].ToString());
        Assert.False(version.TryFormat(buffer[..3], out _, default, null));
    }
}
