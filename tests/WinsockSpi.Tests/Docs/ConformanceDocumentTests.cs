using System.Reflection;
using System.Text.RegularExpressions;
using WinsockSpi.Tests.TestKit;

namespace WinsockSpi.Tests.Docs;

/// <summary>
/// Keeps the specification and its conformance matrix honest: every rule of docs/semantics.md is proven by at least
/// one test that runs and carries its id, a rule id sits on nothing but such tests, and docs/conformance.md lists
/// exactly the tests that carry each id.
/// </summary>
public partial class ConformanceDocumentTests
{
    [Fact]
    public void EveryRuleOfTheSpecification_HasAtLeastOneTest()
    {
        var proven = TestsByRule();
        var planned = PlannedRuleIds();

        var missing = RuleIds().Where(id => !proven.ContainsKey(id) && !planned.Contains(id)).ToList();
        var early = planned.Where(proven.ContainsKey).ToList();

        Assert.True(missing.Count == 0, $"Rules without a test: {string.Join(", ", missing)}");
        Assert.True(early.Count == 0, $"Planned rules that have tests (take them off docs/planned-rules.md): {string.Join(", ", early)}");
        Assert.All(planned, id => Assert.Contains(id, RuleIds()));
    }

    /// <summary>The rules docs/planned-rules.md lists: their issue has not landed, so they may have no test yet.</summary>
    private static HashSet<string> PlannedRuleIds()
        => [.. Repository.ReadText("docs/planned-rules.md").Split('\n')
            .Select(line => PlannedRow().Match(line))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

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

    [Fact]
    public void RuleTraits_SitOnlyOnTestsThatRun()
    {
        const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var misplaced = new List<string>();
        foreach (var type in typeof(ConformanceDocumentTests).Assembly.GetTypes())
        {
            if (RuleIdsOn(type).Any())
            {
                misplaced.Add($"the type {type.Name}");
            }

            foreach (var member in type.GetMembers(Everything).Where(m => RuleIdsOn(m).Any()))
            {
                var fact = member.GetCustomAttribute<FactAttribute>();
                if (member is not MethodInfo method || fact is null)
                {
                    misplaced.Add($"{type.Name}.{member.Name}, which is not a [Fact] or [Theory]");
                }
                else if (fact.Skip is not null)
                {
                    misplaced.Add($"the skipped test {type.Name}.{member.Name}");
                }
                else if (IsEmpty(method))
                {
                    misplaced.Add($"{type.Name}.{member.Name}, whose body is empty");
                }
            }
        }

        Assert.True(misplaced.Count == 0, $"Rule traits that prove nothing, on: {string.Join("; ", misplaced)}");
    }

    /// <summary>The rules each test proves: only non-skipped [Fact] and [Theory] methods with a body count.</summary>
    private static Dictionary<string, SortedSet<string>> TestsByRule()
    {
        var result = new Dictionary<string, SortedSet<string>>();
        foreach (var type in typeof(ConformanceDocumentTests).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FactAttribute>() is not { Skip: null } || IsEmpty(method))
                {
                    continue;
                }

                foreach (var id in RuleIdsOn(method))
                {
                    if (!result.TryGetValue(id, out var set))
                    {
                        result[id] = set = [];
                    }

                    set.Add($"{type.Name}.{method.Name}");
                }
            }
        }

        return result;
    }

    private static IEnumerable<string> RuleIdsOn(MemberInfo member)
        => member.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute))
            .Select(a => a.ConstructorArguments is [{ Value: "Rule" }, { Value: string id }] ? id : null)
            .OfType<string>();

    /// <summary>A method whose body is a bare return (with at most a no-op before it) tests nothing.</summary>
    private static bool IsEmpty(MethodInfo method) => method.GetMethodBody()?.GetILAsByteArray() is { Length: <= 2 };

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

    [GeneratedRegex(@"^\| ((?:[A-Z0-9]+-\d+ ?)+) \| #\d+")]
    private static partial Regex PlannedRow();
}
