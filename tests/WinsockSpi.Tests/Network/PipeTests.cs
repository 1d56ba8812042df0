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

    [Fact]
    public void Capacity_AboveTheLargestPowerOfTwoBuffer_IsCappedThere()
    {
        var pipe = new Pipe(int.MaxValue);

        Assert.Equal(Pipe.MaxCapacity, pipe.Capacity);
        Assert.Equal(1 << 30, pipe.Room);
        Assert.Equal(3, pipe.Write(Sequence(0, 3)));
        Assert.Equal((1 << 30) - 3, pipe.Room);
    }

    // The reader without the gate: the pipe's reader looks (Look), then copies and publishes (Take). These tests put the
    // writer's moves between the two steps, where a reader on another thread may be while the writer holds the gate.

    [Fact]
    public void ReaderWithoutTheGate_LookedBeforeAGrowth_CopiesWhatItLookedAt_AndTheRestFollowsInOrder()
    {
        var pipe = new Pipe(1000);
        Assert.Equal(200, pipe.Write(Sequence(0, 200)));
        Assert.Equal(150, pipe.Read(new byte[150]));
        Assert.Equal(100, pipe.Write(Sequence(200, 100))); // 150 wait, wrapped around the first buffer

        var look = pipe.Look();
        Assert.Equal(600, pipe.Write(Sequence(300, 600))); // grows the buffer while the reader holds its look
        var got = new byte[1000];
        int n = pipe.Take(look, got);

        Assert.Equal(150, n);
        Assert.Equal(Sequence(150, 150), got[..n]);
        Assert.Equal(600, pipe.Count);
        var rest = new byte[600];
        Assert.Equal(600, pipe.Read(rest));
        Assert.Equal(Sequence(300, 600), rest);
        Assert.Equal(900, pipe.TotalRead);
    }

    [Fact]
    public void ReaderWithoutTheGate_TheWriterReusesOnlyPositionsTheReaderHasPublished()
    {
        var pipe = new Pipe(16);
        Assert.Equal(16, pipe.Write(Sequence(0, 16)));
        Assert.Equal(8, pipe.Read(new byte[8]));

        var look = pipe.Look(); // bytes 8 to 15, not taken yet
        Assert.Equal(8, pipe.Room);
        Assert.Equal(8, pipe.Write(Sequence(16, 12))); // fills the positions of bytes 0 to 7 only
        Assert.Equal(0, pipe.Room);
        var got = new byte[16];
        Assert.Equal(8, pipe.Take(look, got));
        Assert.Equal(Sequence(8, 8), got[..8]);

        Assert.Equal(8, pipe.Room);
        Assert.Equal(8, pipe.Read(got));
        Assert.Equal(Sequence(16, 8), got[..8]);
    }

    [Fact]
    public void ReaderWithoutTheGate_LookedBeforeAReset_CopiesItsBytes_AndNothingIsLeftAfterIt()
    {
        var pipe = new Pipe(64);
        Assert.Equal(10, pipe.Write(Sequence(0, 10)));

        var look = pipe.Look();
        pipe.Reset = true;
        Assert.Equal(10, pipe.Discard());
        var got = new byte[16];
        int n = pipe.Take(look, got);

        Assert.Equal(10, n); // a read made before the reset
        Assert.Equal(Sequence(0, 10), got[..n]);
        Assert.Equal(0, pipe.Count);
        Assert.Equal(0, pipe.Room);
        Assert.Equal(0, pipe.Read(got));
        Assert.False(pipe.IsEndOfStream);
    }

    [Fact]
    public void ReaderWithoutTheGate_LookedBeforeAFin_IsNotAtEndOfStreamUntilItTakesTheBytes()
    {
        var pipe = new Pipe(64);
        Assert.Equal(5, pipe.Write(Sequence(0, 5)));

        var look = pipe.Look();
        pipe.Fin = true;
        Assert.False(pipe.IsEndOfStream);
        Assert.Equal(5, pipe.Take(look, new byte[8]));

        Assert.True(pipe.IsEndOfStream);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReaderWithoutTheGate_OnAnotherThread_GetsEveryByteInOrder_WhileTheWriterGrowsAndWraps()
    {
        // Bounded: 4 MB through a pipe of 1,000 bytes, the writer under a lock (the gate), the reader without one.
        const int Total = 4 << 20;
        var pipe = new Pipe(1000);
        var gate = new object();
        var cancel = TestContext.Current.CancellationToken;

        var writer = Task.Run(() =>
        {
            var chunk = new byte[700];
            int sent = 0;
            while (sent < Total)
            {
                cancel.ThrowIfCancellationRequested();
                int size = Math.Min(1 + (sent % chunk.Length), Total - sent);
                for (int i = 0; i < size; i++)
                {
                    chunk[i] = (byte)((sent + i) * 31);
                }

                int n;
                lock (gate)
                {
                    n = pipe.Write(chunk.AsSpan(0, size));
                }

                sent += n;
                if (n == 0)
                {
                    Thread.Yield();
                }
            }
        }, cancel);

        var reader = Task.Run(() =>
        {
            var buffer = new byte[333];
            int received = 0;
            while (received < Total)
            {
                cancel.ThrowIfCancellationRequested();
                int n = pipe.Read(buffer);
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)((received + i) * 31))
                    {
                        return $"byte {received + i} is {buffer[i]}, not {(byte)((received + i) * 31)}";
                    }
                }

                received += n;
                if (n == 0)
                {
                    Thread.Yield();
                }
            }

            return null;
        }, cancel);

        await writer;
        Assert.Null(await reader);
        Assert.Equal(Total, pipe.TotalRead);
        Assert.Equal(0, pipe.Count);
    }
}
