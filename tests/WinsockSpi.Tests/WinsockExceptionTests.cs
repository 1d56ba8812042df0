using System.Net.Sockets;

namespace WinsockSpi.Tests;

public class WinsockExceptionTests
{
    [Fact]
    public void Exception_CarriesTheErrorAsItsCodes()
    {
        var ex = new WinsockException(WsaError.ConnectionReset);

        Assert.Equal(WsaError.ConnectionReset, ex.Error);
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }

    [Theory]
    [InlineData(WsaError.ConnectionReset, 10054)]
    [InlineData(WsaError.NotSocket, 10038)]
    [InlineData(WsaError.WouldBlock, 10035)]
    [InlineData(WsaError.OperationAborted, 995)]
    [InlineData(WsaError.IOIncomplete, 996)]
    [InlineData(WsaError.InvalidProvider, 10105)]
    public void ErrorCode_IsTheWindowsValueOnEveryOS(WsaError error, int expected)
    {
        // SocketException alone would report the platform's errno here on Linux (104 for a reset).
        var ex = new WinsockException(error);

        Assert.Equal(expected, ex.ErrorCode);
        Assert.Equal(expected, ((System.Runtime.InteropServices.ExternalException)ex).ErrorCode);
    }

    [Fact]
    public void Exception_IsASocketException()
    {
        var ex = new WinsockException(WsaError.NotSocket);

        var socketException = Assert.IsAssignableFrom<SocketException>(ex);
        Assert.Equal(SocketError.NotSocket, socketException.SocketErrorCode);
    }

    [Fact]
    public void Message_StartsWithSymbolAndNumber()
    {
        var ex = new WinsockException(WsaError.NotInitialized);

        Assert.StartsWith("WSANOTINITIALISED (10093): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_OfACodeDotNetLacks_StillNamesTheSymbol()
    {
        var ex = new WinsockException(WsaError.IOIncomplete);

        Assert.Equal(996, ex.ErrorCode);
        Assert.StartsWith("WSA_IO_INCOMPLETE (996): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultConstructor_IsSystemCallFailure()
    {
        var ex = new WinsockException();

        Assert.Equal(WsaError.SystemCallFailure, ex.Error);
        Assert.Equal(10107, ex.ErrorCode);
    }
}
