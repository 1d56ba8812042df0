using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Sockets;

public class SocketHandleTests
{
    [Fact]
    public void Invalid_IsInvalidSocket()
    {
        Assert.Equal(Winsock.InvalidSocket, SocketHandle.Invalid.Value);
        Assert.False(SocketHandle.Invalid.IsValidValue);
    }

    [Fact]
    public void Zero_IsNotAValidValue()
    {
        Assert.False(new SocketHandle(0).IsValidValue);
        Assert.False(default(SocketHandle).IsValidValue);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(4UL)]
    [InlineData(0x1000000400004UL)]
    [InlineData(0x7FFFFFFFFFFFFFFFUL)]
    public void OtherValues_AreValidValues(ulong value)
    {
        Assert.True(new SocketHandle((nuint)value).IsValidValue);
    }

    [Fact]
    public void Equality_IsByValue()
    {
        Assert.Equal(new SocketHandle(12), new SocketHandle(12));
        Assert.NotEqual(new SocketHandle(12), new SocketHandle(16));
        Assert.True(new SocketHandle(12) == new SocketHandle(12));
    }

    [Theory]
    [InlineData(0UL, "0x0")]
    [InlineData(0x1000000400004UL, "0x1000000400004")]
    [InlineData(0xABCUL, "0xABC")]
    public void ToString_IsHexadecimal(ulong value, string expected)
    {
        Assert.Equal(expected, new SocketHandle((nuint)value).ToString());
    }

    [Fact]
    public void ToString_InvalidSocket_IsAllOnes()
    {
        Assert.Equal("0x" + new string('F', IntPtr.Size * 2), SocketHandle.Invalid.ToString());
    }
}
