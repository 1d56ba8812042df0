namespace WinsockSpi.Processes;

/// <summary>
/// An asynchronous procedure call queued to a simulated thread (WPUQueueApc). It runs only when that
/// thread waits alertably (<see cref="SimulatedProcess.AlertableWait(TimeSpan)"/>).
/// </summary>
/// <param name="context">The context given when the call was queued.</param>
public delegate void ApcRoutine(object? context);
