using WinsockSpi;
using WinsockSpi.Provider;

using var runtime = new ProviderRuntime();
System.Console.WriteLine($"WSPStartup(2.2) -> {runtime.Startup(WinsockVersion.V2_2, out _).ToSymbol()}");
System.Console.WriteLine($"WSPCleanup() -> {runtime.Cleanup()}");
