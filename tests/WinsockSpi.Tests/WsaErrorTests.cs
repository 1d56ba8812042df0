using System.Net.Sockets;

namespace WinsockSpi.Tests;

public class WsaErrorTests
{
    [Fact]
    public void ToSymbol_Success_IsNoError()
    {
        Assert.Equal("NO_ERROR", WsaError.Success.ToSymbol());
    }

    [Theory]
    [InlineData(10041)]
    [InlineData(12345)]
    [InlineData(-7)]
    public void ToSymbol_UndefinedValue_IsItsDecimalNumber(int value)
    {
        var error = (WsaError)value;

        Assert.False(error.IsDefined());
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), error.ToSymbol());
    }

    [Theory]
    [InlineData(WsaError.NotSocket, SocketError.NotSocket)]
    [InlineData(WsaError.IOPending, SocketError.IOPending)]
    [InlineData(WsaError.OperationAborted, SocketError.OperationAborted)]
    [InlineData(WsaError.NotInitialized, SocketError.NotInitialized)]
    [InlineData(WsaError.Success, SocketError.Success)]
    public void ToSocketError_KnownCode_GivesTheSameNamedCode(WsaError error, SocketError expected)
    {
        Assert.Equal(expected, error.ToSocketError());
        Assert.Equal(error, expected.ToWsaError());
    }

    [Fact]
    public void ToSocketError_UndefinedWsaValueThatDotNetDefines_StillConverts()
    {
        // WSAEPROTOTYPE is not a WsaError member, but the conversion is by value and loses nothing.
        var error = SocketError.ProtocolType.ToWsaError();

        Assert.False(error.IsDefined());
        Assert.Equal(10041, (int)error);
        Assert.Equal(SocketError.ProtocolType, error.ToSocketError());
    }

    [Fact]
    public void ToWsaError_SocketErrorMinusOne_ThrowsWithTheParameterName()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SocketError.SocketError.ToWsaError());

        Assert.Equal("error", ex.ParamName);
    }

    [Fact]
    public void IsDefined_IsTrueForEveryMember()
    {
        Assert.All(Enum.GetValues<WsaError>(), e => Assert.True(e.IsDefined()));
    }
}
