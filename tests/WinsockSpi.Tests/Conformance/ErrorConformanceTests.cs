using System.Net.Sockets;
using WinsockSpi.Sockets;

namespace WinsockSpi.Tests.Conformance;

/// <summary>SEMANTICS.md section 1, Numbers (ERR-1..3).</summary>
public class ErrorConformanceTests
{
    /// <summary>The codes .NET's <see cref="SocketError"/> does not define (ERR-2).</summary>
    public static TheoryData<int> CodesDotNetLacks => new(6, 8, 64, 87, 996, 10009, 10103, 10104, 10105, 10106, 10107);

    /// <summary>Every <see cref="WsaError"/> member.</summary>
    public static TheoryData<WsaError> AllErrors => new(Enum.GetValues<WsaError>());

    /// <summary>Every <see cref="WsaError"/> member but <see cref="WsaError.Success"/>.</summary>
    public static TheoryData<WsaError> FailureCodes => new(Enum.GetValues<WsaError>().Where(e => e != WsaError.Success));

    [Theory]
    [Trait("Rule", "ERR-1")]
    [InlineData(6, "WSA_INVALID_HANDLE")]
    [InlineData(8, "WSA_NOT_ENOUGH_MEMORY")]
    [InlineData(64, "ERROR_NETNAME_DELETED")]
    [InlineData(87, "WSA_INVALID_PARAMETER")]
    [InlineData(995, "WSA_OPERATION_ABORTED")]
    [InlineData(996, "WSA_IO_INCOMPLETE")]
    [InlineData(997, "WSA_IO_PENDING")]
    [InlineData(10004, "WSAEINTR")]
    [InlineData(10009, "WSAEBADF")]
    [InlineData(10013, "WSAEACCES")]
    [InlineData(10014, "WSAEFAULT")]
    [InlineData(10022, "WSAEINVAL")]
    [InlineData(10024, "WSAEMFILE")]
    [InlineData(10035, "WSAEWOULDBLOCK")]
    [InlineData(10036, "WSAEINPROGRESS")]
    [InlineData(10037, "WSAEALREADY")]
    [InlineData(10038, "WSAENOTSOCK")]
    [InlineData(10045, "WSAEOPNOTSUPP")]
    [InlineData(10050, "WSAENETDOWN")]
    [InlineData(10052, "WSAENETRESET")]
    [InlineData(10053, "WSAECONNABORTED")]
    [InlineData(10054, "WSAECONNRESET")]
    [InlineData(10055, "WSAENOBUFS")]
    [InlineData(10056, "WSAEISCONN")]
    [InlineData(10057, "WSAENOTCONN")]
    [InlineData(10058, "WSAESHUTDOWN")]
    [InlineData(10060, "WSAETIMEDOUT")]
    [InlineData(10061, "WSAECONNREFUSED")]
    [InlineData(10067, "WSAEPROCLIM")]
    [InlineData(10091, "WSASYSNOTREADY")]
    [InlineData(10092, "WSAVERNOTSUPPORTED")]
    [InlineData(10093, "WSANOTINITIALISED")]
    [InlineData(10101, "WSAEDISCON")]
    [InlineData(10103, "WSAECANCELLED")]
    [InlineData(10104, "WSAEINVALIDPROCTABLE")]
    [InlineData(10105, "WSAEINVALIDPROVIDER")]
    [InlineData(10106, "WSAEPROVIDERFAILEDINIT")]
    [InlineData(10107, "WSASYSCALLFAILURE")]
    public void ERR1_ErrorCode_KeepsItsWindowsValueAndSymbol(int value, string symbol)
    {
        var error = (WsaError)value;

        Assert.True(Enum.IsDefined(error), $"WsaError has no member with the value {value} ({symbol}).");
        Assert.True(error.IsDefined());
        Assert.Equal(symbol, error.ToSymbol());
    }

    [Fact]
    [Trait("Rule", "ERR-1")]
    public void ERR1_NamedMembers_HaveTheirWindowsValues()
    {
        Assert.Equal(0, (int)WsaError.Success);
        Assert.Equal(6, (int)WsaError.InvalidHandle);
        Assert.Equal(64, (int)WsaError.NetNameDeleted);
        Assert.Equal(87, (int)WsaError.InvalidParameter);
        Assert.Equal(995, (int)WsaError.OperationAborted);
        Assert.Equal(996, (int)WsaError.IOIncomplete);
        Assert.Equal(997, (int)WsaError.IOPending);
        Assert.Equal(10004, (int)WsaError.Interrupted);
        Assert.Equal(10022, (int)WsaError.InvalidArgument);
        Assert.Equal(10024, (int)WsaError.TooManyOpenSockets);
        Assert.Equal(10035, (int)WsaError.WouldBlock);
        Assert.Equal(10038, (int)WsaError.NotSocket);
        Assert.Equal(10054, (int)WsaError.ConnectionReset);
        Assert.Equal(10092, (int)WsaError.VersionNotSupported);
        Assert.Equal(10093, (int)WsaError.NotInitialized);
    }

    [Fact]
    [Trait("Rule", "ERR-1")]
    public void ERR1_SocketErrorAndInvalidSocket_HaveTheirWindowsValues()
    {
        Assert.Equal(-1, Winsock.SocketError);
        Assert.Equal(nuint.MaxValue, Winsock.InvalidSocket);
        Assert.Equal(~(nuint)0, Winsock.InvalidSocket);
        Assert.Equal(Winsock.InvalidSocket, SocketHandle.Invalid.Value);
        Assert.Equal(Winsock.SocketError, SpiResult.Fail(WsaError.NotSocket).ReturnValue);
    }

    [Theory]
    [Trait("Rule", "ERR-1")]
    [MemberData(nameof(FailureCodes))]
    public void ERR1_ThrownError_KeepsItsWindowsValueOnEveryOS(WsaError error)
    {
        var ex = Assert.Throws<WinsockException>(() => new SpiResult<int>(error).ThrowIfFailed());

        Assert.Equal(error, ex.Error);
        Assert.Equal((int)error, ex.ErrorCode);
    }

    [Theory]
    [Trait("Rule", "ERR-2")]
    [MemberData(nameof(AllErrors))]
    public void ERR2_CodeKnownToDotNet_ConvertsLosslesslyWithTheSameName(WsaError error)
    {
        var dotNet = (SocketError)(int)error;
        if (!Enum.IsDefined(dotNet))
        {
            Assert.Null(error.ToSocketError());
            return;
        }

        var converted = error.ToSocketError();

        Assert.Equal(dotNet, converted);
        Assert.Equal((int)error, (int)converted!.Value);
        Assert.Equal(dotNet.ToString(), error.ToString());
        Assert.Equal(error, converted.Value.ToWsaError());
    }

    [Theory]
    [Trait("Rule", "ERR-2")]
    [MemberData(nameof(CodesDotNetLacks))]
    public void ERR2_CodeDotNetLacks_ConvertsToNull(int value)
    {
        var error = (WsaError)value;

        Assert.True(error.IsDefined());
        Assert.False(Enum.IsDefined((SocketError)value));
        Assert.Null(error.ToSocketError());
    }

    [Fact]
    [Trait("Rule", "ERR-2")]
    public void ERR2_EverySocketErrorCode_RoundTripsThroughWsaError()
    {
        foreach (var dotNet in Enum.GetValues<SocketError>())
        {
            if (dotNet == SocketError.SocketError)
            {
                continue;
            }

            var error = dotNet.ToWsaError();

            Assert.Equal((int)dotNet, (int)error);
            Assert.Equal(dotNet, error.ToSocketError());
        }
    }

    [Fact]
    [Trait("Rule", "ERR-2")]
    public void ERR2_SocketErrorMinusOne_IsAReturnValueNotACode_AndIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SocketError.SocketError.ToWsaError());
    }

    [Fact]
    [Trait("Rule", "ERR-2")]
    public void ERR2_EveryCode_HasADistinctWinsockSymbol()
    {
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in Enum.GetValues<WsaError>())
        {
            string symbol = error.ToSymbol();

            Assert.True(
                symbol.StartsWith("WSA", StringComparison.Ordinal) || symbol.StartsWith("ERROR_", StringComparison.Ordinal) || symbol == "NO_ERROR",
                $"{error} is shown as '{symbol}'.");
            Assert.True(symbols.Add(symbol), $"The symbol '{symbol}' is used twice.");
        }
    }

    [Fact]
    [Trait("Rule", "ERR-2")]
    public void ERR2_ErrorsInResultsAndExceptions_AreShownByTheirSymbol()
    {
        Assert.Equal("SOCKET_ERROR (WSAENOTSOCK)", SpiResult.Fail(WsaError.NotSocket).ToString());
        Assert.Equal("SOCKET_ERROR (WSANOTINITIALISED)", new SpiResult<int>(WsaError.NotInitialized).ToString());
        Assert.StartsWith("WSAEMFILE (10024)", new WinsockException(WsaError.TooManyOpenSockets).Message, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Rule", "ERR-3")]
    [InlineData(2, 2, 0x0202)]
    [InlineData(1, 1, 0x0101)]
    [InlineData(2, 0, 0x0002)]
    [InlineData(1, 2, 0x0201)]
    [InlineData(2, 1, 0x0102)]
    [InlineData(1, 255, 0xFF01)]
    [InlineData(255, 0, 0x00FF)]
    [InlineData(0, 0, 0x0000)]
    [InlineData(255, 255, 0xFFFF)]
    public void ERR3_VersionWord_IsMajorInLowByteMinorInHighByte(int major, int minor, int word)
    {
        var version = new WinsockVersion((byte)major, (byte)minor);

        Assert.Equal((ushort)word, Winsock.MakeWord((byte)major, (byte)minor));
        Assert.Equal((ushort)word, version.ToWord());
        Assert.Equal(version, WinsockVersion.FromWord((ushort)word));
        Assert.Equal(major, word & 0xFF);
        Assert.Equal(minor, word >> 8);
    }
}
