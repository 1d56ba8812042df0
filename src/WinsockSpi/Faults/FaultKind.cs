namespace WinsockSpi.Faults;

/// <summary>What a <see cref="Fault"/> does.</summary>
public enum FaultKind
{
    /// <summary>The Nth call of one kind fails with a chosen error and does nothing else.</summary>
    FailCall,

    /// <summary>A connection is reset (as if its remote end sent RST) once its socket has sent N bytes.</summary>
    ResetAfterBytes,

    /// <summary>A connection takes no more than N bytes from its socket: further sends pend, as if the peer stopped reading.</summary>
    StallAfterBytes,

    /// <summary>The network goes down just before the Nth service-provider call the plan sees.</summary>
    NetworkDown,
}
