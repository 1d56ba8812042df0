using NSubstitute;
using NSubstitute.Core;
using WinsockSpi.Operations;

namespace WinsockSpi.Tests.TestKit;

/// <summary>
/// Upcall tables for tests, made with NSubstitute: a spy that forwards every upcall to a real table and remembers it,
/// and readers for what the spy received. Replaces hand-written recording doubles.
/// </summary>
internal static class UpcallSpy
{
    /// <summary>Creates an upcall table that forwards every call to <paramref name="inner"/> and records it.</summary>
    /// <param name="inner">The table that does the work, usually the process's <see cref="ProcessUpcalls"/>.</param>
    /// <returns>The spy; read it with <see cref="Completions(IUpcalls)"/>, <see cref="ApcThreads(IUpcalls)"/> and the like.</returns>
    public static IUpcalls Forwarding(IUpcalls inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var spy = Substitute.For<IUpcalls>();
        spy.QueryBlockingCallback().Returns(_ => inner.QueryBlockingCallback());
        spy.QueueApc(null!, null!, null).ReturnsForAnyArgs(call => inner.QueueApc(call.ArgAt<WsaThreadId>(0), call.ArgAt<ApcRoutine>(1), call.ArgAt<object?>(2)));
        spy.CompleteOverlappedRequest(default).ReturnsForAnyArgs(call => inner.CompleteOverlappedRequest(call.ArgAt<OverlappedCompletion>(0)));
        spy.PostMessage(null!, 0, 0, 0).ReturnsForAnyArgs(call => inner.PostMessage(call.ArgAt<SimulatedWindow>(0), call.ArgAt<int>(1), call.ArgAt<nuint>(2), call.ArgAt<nint>(3)));
        return spy;
    }

    /// <summary>Gives every <c>WPUCompleteOverlappedRequest</c> the spy received, in order.</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <returns>The completions.</returns>
    public static IReadOnlyList<OverlappedCompletion> Completions(this IUpcalls spy)
        => [.. Calls(spy, nameof(IUpcalls.CompleteOverlappedRequest)).Select(c => (OverlappedCompletion)c.GetArguments()[0]!)];

    /// <summary>Gives the managed thread id of every <c>WPUQueueApc</c> the spy received, in order.</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <returns>The target threads' managed ids.</returns>
    public static IReadOnlyList<int> ApcThreads(this IUpcalls spy)
        => [.. Calls(spy, nameof(IUpcalls.QueueApc)).Select(c => ((WsaThreadId)c.GetArguments()[0]!).ManagedThreadId)];

    /// <summary>Gives the contexts of every <c>WPUQueueApc</c> the spy received, in order.</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <returns>The APC contexts (the overlapped objects of completion routines).</returns>
    public static IReadOnlyList<object?> ApcContexts(this IUpcalls spy)
        => [.. Calls(spy, nameof(IUpcalls.QueueApc)).Select(c => c.GetArguments()[2])];

    /// <summary>Gives every <c>WPUPostMessage</c> the spy received, in order, as the message it carried.</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <returns>The messages.</returns>
    public static IReadOnlyList<WindowMessage> PostedMessages(this IUpcalls spy)
        => [.. Calls(spy, nameof(IUpcalls.PostMessage)).Select(c => new WindowMessage((int)c.GetArguments()[1]!, (nuint)c.GetArguments()[2]!, (nint)c.GetArguments()[3]!))];

    /// <summary>Gives every <c>WPUPostMessage</c> the kit's recording table received, in order, as the message it carried.</summary>
    /// <param name="recorder">The harness's <see cref="WinsockSpi.Testing.RecordingUpcalls"/>.</param>
    /// <returns>The messages, refused ones included.</returns>
    public static IReadOnlyList<WindowMessage> PostedMessages(this WinsockSpi.Testing.RecordingUpcalls recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        return [.. recorder.Messages().Select(m => new WindowMessage(m.Message, m.WParam, m.LParam))];
    }

    /// <summary>Gives how many times the provider asked the spy for its blocking hook (WPUQueryBlockingCallback).</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <returns>The number of queries.</returns>
    public static int BlockingQueries(this IUpcalls spy) => Calls(spy, nameof(IUpcalls.QueryBlockingCallback)).Count();

    /// <summary>Gives how many notifications (routine queued, or completion made known) the spy received for one operation.</summary>
    /// <param name="spy">A substitute made by <see cref="Forwarding(IUpcalls)"/> or <c>Substitute.For&lt;IUpcalls&gt;()</c>.</param>
    /// <param name="overlapped">The operation.</param>
    /// <returns>The number of notifications.</returns>
    public static int NotificationsOf(this IUpcalls spy, WsaOverlapped overlapped)
        => spy.ApcContexts().Count(c => ReferenceEquals(c, overlapped)) + spy.Completions().Count(c => ReferenceEquals(c.Overlapped, overlapped));

    private static IEnumerable<ICall> Calls(IUpcalls spy, string name)
    {
        ArgumentNullException.ThrowIfNull(spy);
        return spy.ReceivedCalls().Where(c => c.GetMethodInfo().Name == name);
    }
}
