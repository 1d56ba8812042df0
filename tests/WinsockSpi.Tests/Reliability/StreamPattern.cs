namespace WinsockSpi.Tests.Reliability;

/// <summary>
/// The bytes of a test stream as a function of their offset, so a receiver can prove order and completeness without
/// keeping a copy of what was sent: a byte out of place, lost or repeated reads wrong at its offset.
/// </summary>
internal static class StreamPattern
{
    /// <summary>The byte at <paramref name="offset"/> of stream <paramref name="salt"/>.</summary>
    public static byte At(long offset, int salt) => (byte)((offset * 131) + (offset >> 8) + (salt * 17) + 7);

    /// <summary>Fills <paramref name="buffer"/> with the stream's bytes from <paramref name="offset"/> on.</summary>
    public static void Fill(Span<byte> buffer, long offset, int salt)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = At(offset + i, salt);
        }
    }

    /// <summary>Makes an array of the stream's bytes from <paramref name="offset"/> on.</summary>
    public static byte[] Make(int length, long offset, int salt)
    {
        var data = new byte[length];
        Fill(data, offset, salt);
        return data;
    }

    /// <summary>The index of the first byte of <paramref name="data"/> that is not the stream's at its offset, or -1.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> data, long offset, int salt)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != At(offset + i, salt))
            {
                return i;
            }
        }

        return -1;
    }
}
