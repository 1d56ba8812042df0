using System.Diagnostics;
using System.Text;

namespace WinsockSpi.Tests.Reliability;

/// <summary>Runs one test of this assembly in a child process, for failures that end a process (a stack overflow).</summary>
internal static class ChildProcess
{
    /// <summary>Runs the test method <paramref name="method"/> (full name) with extra environment variables, killed after <paramref name="bound"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunTestAsync(string method, IReadOnlyDictionary<string, string> environment, TimeSpan bound)
    {
        var host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var arg in new[] { "-method", method, "-noLogo", "-noColor" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var child = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            output.Append("(killed after ").Append(bound.TotalSeconds).AppendLine(" s: a hang)");
        }

        output.Append(await stdout).Append(await stderr);
        return (child.ExitCode, output.ToString());
    }
}
