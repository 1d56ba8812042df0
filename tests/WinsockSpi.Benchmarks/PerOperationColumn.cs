using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace WinsockSpi.Benchmarks;

/// <summary>A column that divides a benchmark's mean time or allocation by its <c>N</c> parameter: the cost per operation.</summary>
internal sealed class PerOperationColumn : IColumn
{
    private readonly bool _allocation;

    private PerOperationColumn(bool allocation) => _allocation = allocation;

    public static IColumn Time { get; } = new PerOperationColumn(allocation: false);

    public static IColumn Allocation { get; } = new PerOperationColumn(allocation: true);

    public string Id => _allocation ? "AllocatedPerOp" : "NsPerOp";

    public string ColumnName => _allocation ? "B/op" : "ns/op";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => _allocation ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _allocation
        ? "Allocated bytes per invocation divided by N: bytes per pending operation"
        : "Mean divided by N: nanoseconds per pending operation";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report is null || benchmarkCase.Parameters["N"] is not int n || n <= 0)
        {
            return "NA";
        }

        var culture = style.CultureInfo ?? CultureInfo.InvariantCulture;
        if (_allocation)
        {
            long? bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes is { } b ? ((double)b / n).ToString("0.###", culture) : "NA";
        }

        return report.ResultStatistics is { } stats ? (stats.Mean / n).ToString("0.00", culture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
