namespace WinsockSpi;

/// <summary>Temporary.</summary>
public static class Probe
{
    /// <summary>Temporary.</summary>
    public static int Value => 1;
}
