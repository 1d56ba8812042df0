using System.Globalization;

namespace WinsockSpi.Samples;

/// <summary>Collects rows and prints them as a table with aligned columns.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row; each cell is shown with the invariant culture.</summary>
    public void Add(params object?[] cells) =>
        _rows.Add(Array.ConvertAll(cells, c => Convert.ToString(c, CultureInfo.InvariantCulture) ?? string.Empty));

    /// <summary>Prints the headers, a rule, every row, then an empty line.</summary>
    public void Print()
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows.Prepend(headers))
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        PrintRow(headers);
        PrintRow(Array.ConvertAll(widths, w => new string('-', w)));
        foreach (var row in _rows)
        {
            PrintRow(row);
        }

        Console.WriteLine();

        void PrintRow(string[] cells) =>
            Console.WriteLine("  " + string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }
}
