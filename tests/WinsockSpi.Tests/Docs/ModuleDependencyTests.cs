using System.Text.RegularExpressions;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Docs;

/// <summary>
/// The module diagram of docs/architecture.md matches the code: every arrow it names is a use the code makes, every use
/// the code makes is an arrow, and the arrows form no cycle (issue 8: no module cycles).
/// </summary>
public sealed partial class ModuleDependencyTests
{
    [Fact]
    public void ModuleDiagram_NamesExactlyTheUsesOfTheCode()
    {
        var documented = DocumentedArrows();
        var actual = CodeArrows();

        Assert.True(documented.SetEquals(actual), $"Only in the diagram: {Show(documented.Except(actual))}. Only in the code: {Show(actual.Except(documented))}.");
    }

    [Fact]
    public void Modules_FormNoCycle()
    {
        var arrows = CodeArrows();
        var modules = arrows.SelectMany(a => new[] { a.From, a.To }).ToHashSet();
        var done = new HashSet<string>();
        var onPath = new List<string>();

        foreach (var module in modules)
        {
            Visit(module);
        }

        void Visit(string module)
        {
            if (onPath.Contains(module))
            {
                Assert.Fail($"Module cycle: {string.Join(" -> ", onPath.SkipWhile(m => m != module).Append(module))}");
            }

            if (!done.Add(module))
            {
                return;
            }

            onPath.Add(module);
            foreach (var (_, to) in arrows.Where(a => a.From == module))
            {
                Visit(to);
            }

            onPath.RemoveAt(onPath.Count - 1);
        }
    }

    [Fact]
    public void ConnectionLocks_AreEnteredOnlyInsideNetwork()
    {
        var src = Path.Combine(Repository.Root, "src", "WinsockSpi");
        var outside = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f) && !f.Contains($"{Path.DirectorySeparatorChar}Network{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => GateUse().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(src, f))
            .ToList();

        Assert.Empty(outside);
    }

    private static HashSet<(string From, string To)> DocumentedArrows()
    {
        var text = Repository.ReadText("docs/architecture.md");
        var block = text[text.IndexOf("```mermaid", text.IndexOf("## Modules of the code", StringComparison.Ordinal), StringComparison.Ordinal)..];
        block = block[..block.IndexOf("```", 10, StringComparison.Ordinal)];
        return [.. Arrow().Matches(block).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
    }

    private static HashSet<(string From, string To)> CodeArrows()
    {
        var src = Path.Combine(Repository.Root, "src", "WinsockSpi");
        var modules = Directory.EnumerateDirectories(src)
            .Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj"))
            .Select(n => n!)
            .ToHashSet();
        var arrows = new HashSet<(string, string)>();
        foreach (var module in modules)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(src, module), "*.cs", SearchOption.AllDirectories))
            {
                var code = Comment().Replace(File.ReadAllText(file), string.Empty);
                foreach (Match m in Use().Matches(code))
                {
                    var used = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    if (used != module && modules.Contains(used))
                    {
                        arrows.Add((module, used));
                    }
                }
            }
        }

        return arrows;
    }

    private static bool IsBuildOutput(string path)
        => path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    private static string Show(IEnumerable<(string From, string To)> arrows) => string.Join(", ", arrows.Select(a => $"{a.From} --> {a.To}").DefaultIfEmpty("none"));

    [GeneratedRegex(@"^\s*(\w+) --> (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Arrow();

    // A using directive of a module, or a module-qualified type name (WinsockSpi.X.Type or X.Type, not after a dot).
    [GeneratedRegex(@"using WinsockSpi\.(\w+)\s*;|(?<![\w.])(?:WinsockSpi\.)?(Network|Processes|Operations|Sockets|Provider|Layering|Ws2|Namespaces|Diagnostics|Threading|Polyfills|Tracing|Faults)\.[A-Z]\w*")]
    private static partial Regex Use();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"Gate\.Enter|\.Gate\b")]
    private static partial Regex GateUse();
}
