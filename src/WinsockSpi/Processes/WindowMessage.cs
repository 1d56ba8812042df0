namespace WinsockSpi.Processes;

/// <summary>One message posted to a <see cref="SimulatedWindow"/> (the MSG fields a Winsock notification uses).</summary>
/// <param name="Message">The message number: the one given to WSAAsyncSelect or to an asynchronous request.</param>
/// <param name="WParam">The socket of a network event (ASY-1), or the task handle of an asynchronous request (ASY-4).</param>
/// <param name="LParam">
/// WSAMAKESELECTREPLY(event, error) for a network event, WSAMAKEASYNCREPLY(buffer length, error) for an asynchronous
/// request: read it with <see cref="Winsock.GetSelectEvent"/>, <see cref="Winsock.GetSelectError"/>,
/// <see cref="Winsock.GetAsyncBufferLength"/> and <see cref="Winsock.GetAsyncError"/>.
/// </param>
public readonly record struct WindowMessage(int Message, nuint WParam, nint LParam);
