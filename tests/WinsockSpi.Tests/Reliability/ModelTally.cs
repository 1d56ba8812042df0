using WinsockSpi.Operations;

namespace WinsockSpi.Tests.Reliability;

/// <summary>What the model-based runs exercised, so the CI log shows the suite is not passing on empty sequences.</summary>
internal sealed class ModelTally
{
    private long _completed;
    private long _failed;
    private long _aborted;
    private long _stillPending;
    private long _notifications;
    private long _bytes;

    /// <summary>Adds the outcome of one operation at the end of a run.</summary>
    public void Add(OperationStatus status, int notifications, int bytes)
    {
        switch (status)
        {
            case OperationStatus.Completed:
                Interlocked.Increment(ref _completed);
                break;
            case OperationStatus.Failed:
                Interlocked.Increment(ref _failed);
                break;
            case OperationStatus.Aborted:
                Interlocked.Increment(ref _aborted);
                break;
            default:
                Interlocked.Increment(ref _stillPending);
                break;
        }

        Interlocked.Add(ref _notifications, notifications);
        Interlocked.Add(ref _bytes, bytes);
    }

    public override string ToString() =>
        $"operations: {_completed:N0} completed, {_failed:N0} failed, {_aborted:N0} aborted, {_stillPending:N0} left pending; {_notifications:N0} notifications; {_bytes:N0} bytes moved by operations";
}
