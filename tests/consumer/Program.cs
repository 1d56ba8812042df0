using System.Reflection;
using System.Runtime.Versioning;

// Prints which build of the package this framework loaded (lines starting with '#'), then runs PACKAGE.md's examples,
// which print what their comments say they print: .ci/package-check compares the two. Then runs the retry-on-reset
// test written with WinsockSpi.Testing; it throws when it fails.
var library = typeof(WinsockSpi.WsaError).Assembly;
Console.WriteLine($"# consumer built for {AppContext.TargetFrameworkName}, running on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
Console.WriteLine($"# WinsockSpi {library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion} for {library.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName}");
PackageExamples.RunAll();
RetryOnResetTest.Run();
