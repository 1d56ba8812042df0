using WinsockSpi.Network;

namespace WinsockSpi.Tests.Network;

/// <summary>Unit tests of the internal ring buffer that carries one direction of a connection.</summary>
public sealed class PipeTests
{
    private static byte[] Sequence(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();

    [Fact]
    public void New_IsEmptyWithFullRoom()
    {
        var pipe = new Pipe(100);

        Assert.Equal(100, pipe.Capacity);
        Assert.Equal(0, pipe.Count);
        Assert.Equal(100, pipe.Room);
        Assert.False(pipe.IsEndOfStream);
        Assert.Equal(0, pipe.Read(new byte[10]));
    }

    [Fact]
    public void Write_BeyondCapacity_AcceptsOnlyWhatFits()
    {
        var pipe = new Pipe(8);

        Assert.Equal(8, pipe.Write(Sequence(0, 12)));
        Assert.Equal(0, pipe.Room);
        Assert.Equal(0, pipe.Write(Sequence(0, 1)));

        var got = new byte[12];
        Assert.Equal(8, pipe.Read(got));
        Assert.Equal(Sequence(0, 8), got[..8]);
    }

    [Fact]
    public void ReadAndWrite_WrapAroundTheEndOfTheBuffer()
    {
        var pipe = new Pipe(8);
        Assert.Equal(6, pipe.Write(Sequence(0, 6)));
        Assert.Equal(4, pipe.Read(new byte[4]));

        // Count 2 at offset 4: the next six bytes fill offsets 6, 7, then 0..3.
        Assert.Equal(6, pipe.Write(Sequence(6, 6)));

        Assert.Equal(8, pipe.Count);
        var got = new byte[8];
        Assert.Equal(8, pipe.Read(got));
        Assert.Equal(Sequence(4, 8), got);
    }

    [Fact]
    public void ManySmallWritesAndReads_KeepTheByteOrder()
    {
        var pipe = new Pipe(7);
        var written = new List<byte>();
        var read = new List<byte>();
        var chunk = new byte[5];
        byte next = 0;
        for (int round = 0; round < 200; round++)
        {
            int want = (round % 5) + 1;
            var data = new byte[want];
            for (int i = 0; i < want; i++)
            {
                data[i] = next++;
            }

            int n = pipe.Write(data);
            written.AddRange(data[..n]);
            int r = pipe.Read(chunk.AsSpan(0, (round % 3) + 1));
            read.AddRange(chunk[..r]);
        }

        var rest = new byte[pipe.Count];
        pipe.Read(rest);
        read.AddRange(rest);
        Assert.Equal(written, read);
    }

    [Fact]
    public void Growth_KeepsWrappedDataInOrder()
    {
        var pipe = new Pipe(1000);
        Assert.Equal(200, pipe.Write(Sequence(0, 200)));
        Assert.Equal(150, pipe.Read(new byte[150]));
        Assert.Equal(200, pipe.Write(Sequence(200, 200)));

        // 250 bytes wait, wrapped around the initial 256-byte buffer; 100 more force it to grow.
        Assert.Equal(100, pipe.Write(Sequence(400, 100)));

        Assert.Equal(350, pipe.Count);
        var got = new byte[350];
        Assert.Equal(350, pipe.Read(got));
        Assert.Equal(Sequence(150, 350), got);
    }

    [Fact]
    public void Growth_StopsAtCapacityEvenWhenItIsNotAPowerOfTwo()
    {
        var pipe = new Pipe(300);

        Assert.Equal(300, pipe.Write(Sequence(0, 400)));

        Assert.Equal(0, pipe.Room);
        var got = new byte[300];
        Assert.Equal(300, pipe.Read(got));
        Assert.Equal(Sequence(0, 300), got);
        Assert.Equal(300, pipe.Room);
    }

    [Fact]
    public void Totals_CountEveryByteWrittenAndRead()
    {
        var pipe = new Pipe(4);
        for (int i = 0; i < 10; i++)
        {
            pipe.Write(Sequence(0, 3));
            pipe.Read(new byte[3]);
        }

        Assert.Equal(30, pipe.TotalWritten);
        Assert.Equal(30, pipe.TotalRead);
    }

    [Fact]
    public void Fin_LeavesNoRoomAndEndsTheStreamOnceDrained()
    {
        var pipe = new Pipe(16);
        pipe.Write(Sequence(0, 3));

        pipe.Fin = true;

        Assert.Equal(0, pipe.Room);
        Assert.Equal(0, pipe.Write(Sequence(0, 1)));
        Assert.False(pipe.IsEndOfStream);
        Assert.Equal(3, pipe.Read(new byte[8]));
        Assert.True(pipe.IsEndOfStream);
    }

    [Fact]
    public void Reset_LeavesNoRoomAndIsNotEndOfStream()
    {
        var pipe = new Pipe(16);
        pipe.Fin = true;

        pipe.Reset = true;

        Assert.Equal(0, pipe.Room);
        Assert.False(pipe.IsEndOfStream);
    }

    [Fact]
    public void Discard_DropsUnreadDataAndReportsIt()
    {
        var pipe = new Pipe(16);
        pipe.Write(Sequence(0, 10));
        pipe.Read(new byte[4]);

        int lost = pipe.Discard();

        Assert.Equal(6, lost);
        Assert.Equal(0, pipe.Count);
        Assert.Equal(0, pipe.Read(new byte[8]));
        Assert.Equal(5, pipe.Write(Sequence(50, 5)));
        var got = new byte[5];
        pipe.Read(got);
        Assert.Equal(Sequence(50, 5), got);
    }

    [Fact]
    public void Read_IntoEmptyBuffer_ReadsNothing()
    {
        var pipe = new Pipe(16);
        pipe.Write(Sequence(0, 4));

        Assert.Equal(0, pipe.Read([]));
        Assert.Equal(4, pipe.Count);
    }

    [Fact]
    public void CapacityOfOne_CarriesBytesOneAtATime()
    {
        var pipe = new Pipe(1);
        var got = new List<byte>();
        foreach (byte b in Sequence(10, 5))
        {
            Assert.Equal(1, pipe.Write([b, 99]));
            var one = new byte[1];
            Assert.Equal(1, pipe.Read(one));
            got.Add(one[0]);
        }

        Assert.Equal(Sequence(10, 5), got);
    }
}
