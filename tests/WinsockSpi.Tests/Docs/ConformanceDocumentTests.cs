using System.Reflection;
using System.Text.RegularExpressions;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Docs;

/// <summary>
/// Keeps the specification and its conformance matrix honest: every rule of docs/semantics.md is proven by at least
/// one test carrying its id, and docs/conformance.md lists exactly the tests that carry each id.
/// </summary>
public partial class ConformanceDocumentTests
{
    [Fact]
    public void EveryRuleOfTheSpecification_HasAtLeastOneTest()
    {
        var proven = TestsByRule();

        var missing = RuleIds().Where(id => !proven.ContainsKey(id)).ToList();

        Assert.True(missing.Count == 0, $"Rules without a test: {string.Join(", ", missing)}");
    }

    [Fact]
    public void EveryRuleIdATestNames_IsARuleOfTheSpecification()
    {
        var rules = RuleIds().ToHashSet();

        var unknown = TestsByRule().Keys.Where(id => !rules.Contains(id)).ToList();

        Assert.True(unknown.Count == 0, $"Tests name rule ids the specification does not have: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void ConformanceMatrix_ListsExactlyTheTestsOfEachRule()
    {
        var document = Repository.ReadText("docs/conformance.md");
        var listed = new Dictionary<string, SortedSet<string>>();
        string? current = null;
        foreach (var line in document.Split('\n'))
        {
            var heading = RuleHeading().Match(line);
            if (heading.Success)
            {
                current = heading.Groups[1].Value;
                listed[current] = [];
            }
            else if (current is not null && TestLine().Match(line) is { Success: true } test)
            {
                listed[current].Add(test.Groups[1].Value);
            }
        }

        foreach (var (rule, tests) in TestsByRule())
        {
            Assert.True(listed.TryGetValue(rule, out var inDocument), $"docs/conformance.md has no section for {rule}: run python3 .ci/conformance");
            Assert.True(tests.SetEquals(inDocument), $"docs/conformance.md is stale for {rule}: run python3 .ci/conformance");
        }
    }

    private static Dictionary<string, SortedSet<string>> TestsByRule()
    {
        var result = new Dictionary<string, SortedSet<string>>();
        foreach (var type in typeof(ConformanceDocumentTests).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                foreach (var trait in method.GetCustomAttributesData().Where(a => a.AttributeType == typeof(TraitAttribute)))
                {
                    if (trait.ConstructorArguments is [{ Value: "Rule" }, { Value: string id }])
                    {
                        if (!result.TryGetValue(id, out var set))
                        {
                            result[id] = set = [];
                        }

                        set.Add($"{type.Name}.{method.Name}");
                    }
                }
            }
        }

        return result;
    }

    private static IEnumerable<string> RuleIds()
        => Repository.ReadText("docs/semantics.md").Split('\n')
            .Select(line => RuleLine().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"^([A-Z0-9]+-\d+) ")]
    private static partial Regex RuleLine();

    [GeneratedRegex(@"^### ([A-Z0-9]+-\d+)\s*$")]
    private static partial Regex RuleHeading();

    [GeneratedRegex(@"^- `([^`]+)`")]
    private static partial Regex TestLine();
}
