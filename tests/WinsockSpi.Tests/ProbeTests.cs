namespace WinsockSpi.Tests;

public class ProbeTests
{
    [Fact]
    public void Works() => Assert.Equal(1, Probe.Value);
}
