namespace WinsockSpi.Tests;

public class SpiResultTests
{
    [Fact]
    public void Success_IsZeroWithNoError()
    {
        var result = SpiResult.Success;

        Assert.True(result.IsSuccess);
        Assert.Equal(WsaError.Success, result.Error);
        Assert.Equal(0, result.ReturnValue);
        Assert.Equal("0", result.ToString());
        Assert.Equal(default, result);
    }

    [Fact]
    public void Fail_CarriesTheErrorAndSocketError()
    {
        var result = SpiResult.Fail(WsaError.WouldBlock);

        Assert.False(result.IsSuccess);
        Assert.Equal(WsaError.WouldBlock, result.Error);
        Assert.Equal(-1, result.ReturnValue);
        Assert.Equal("SOCKET_ERROR (WSAEWOULDBLOCK)", result.ToString());
    }

    [Fact]
    public void Fail_WithSuccess_IsMisuse()
    {
        var ex = Assert.Throws<ArgumentException>(() => SpiResult.Fail(WsaError.Success));

        Assert.Equal("error", ex.ParamName);
    }

    [Fact]
    public void ConversionsFromError_AgreeWithTheConstructor()
    {
        SpiResult implicitResult = WsaError.NotSocket;

        Assert.Equal(new SpiResult(WsaError.NotSocket), implicitResult);
        Assert.Equal(implicitResult, SpiResult.FromWsaError(WsaError.NotSocket));
        Assert.Equal(SpiResult.Success, SpiResult.FromWsaError(WsaError.Success));
    }

    [Fact]
    public void ThrowIfFailed_OnSuccess_DoesNotThrow()
    {
        SpiResult.Success.ThrowIfFailed();
    }

    [Fact]
    public void ThrowIfFailed_OnFailure_ThrowsWinsockExceptionWithTheError()
    {
        var ex = Assert.Throws<WinsockException>(() => SpiResult.Fail(WsaError.NotInitialized).ThrowIfFailed());

        Assert.Equal(WsaError.NotInitialized, ex.Error);
        Assert.Equal(10093, ex.ErrorCode);
    }

    [Fact]
    public void Generic_Success_CarriesTheValue()
    {
        SpiResult<int> result = 42;

        Assert.True(result.IsSuccess);
        Assert.Equal(WsaError.Success, result.Error);
        Assert.Equal(42, result.Value);
        Assert.Equal(42, result.GetValueOrDefault(-5));
        Assert.Equal(42, result.ThrowIfFailed());
        Assert.Equal(SpiResult.Success, result.ToSpiResult());
        Assert.Equal("42", result.ToString());
    }

    [Fact]
    public void Generic_Failure_HasNoValue()
    {
        SpiResult<int> result = WsaError.IOPending;

        Assert.False(result.IsSuccess);
        Assert.Equal(WsaError.IOPending, result.Error);
        var ex = Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Contains("WSA_IO_PENDING", ex.Message, StringComparison.Ordinal);
        Assert.Equal(-5, result.GetValueOrDefault(-5));
        Assert.Equal(WsaError.IOPending, Assert.Throws<WinsockException>(() => result.ThrowIfFailed()).Error);
        Assert.Equal(SpiResult.Fail(WsaError.IOPending), result.ToSpiResult());
        Assert.Equal("SOCKET_ERROR (WSA_IO_PENDING)", result.ToString());
    }

    [Fact]
    public void Generic_ConstructedWithSuccessError_IsASuccessWithDefaultValue()
    {
        var result = new SpiResult<string>(WsaError.Success);

        Assert.True(result.IsSuccess);
        Assert.Null(result.Value);
    }

    [Fact]
    public void Generic_DefaultResult_IsASuccessWithDefaultValue()
    {
        SpiResult<int> result = default;

        Assert.True(result.IsSuccess);
        Assert.Equal(0, result.Value);
    }
}
