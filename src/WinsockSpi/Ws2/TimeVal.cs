using System.Diagnostics.CodeAnalysis;

namespace WinsockSpi.Ws2;

/// <summary>The timeval of winsock2.h: the timeout of <see cref="Ws2Api.select"/>, in seconds and microseconds.</summary>
/// <param name="tv_sec">Seconds (a C <c>long</c>: 32 bits on Windows).</param>
/// <param name="tv_usec">Microseconds.</param>
/// <remarks>{0, 0} polls. A negative member makes select fail with WSAEINVAL (the timeout is not valid).</remarks>
[SuppressMessage("Naming", "CA1707", Justification = "The members keep the names of the C structure timeval.")]
public readonly record struct TimeVal(int tv_sec, int tv_usec)
{
    /// <summary>Gets the timeout as a time span (negative when a member is negative).</summary>
    public TimeSpan ToTimeSpan() => tv_sec < 0 || tv_usec < 0
        ? TimeSpan.FromTicks(-1)
        : TimeSpan.FromSeconds(tv_sec) + TimeSpan.FromTicks(tv_usec * 10L);
}
