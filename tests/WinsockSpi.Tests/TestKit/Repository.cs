namespace WinsockSpi.Tests.TestKit;

/// <summary>Finds the repository's files from the test binaries, for tests that check the documentation.</summary>
internal static class Repository
{
    /// <summary>Gets the folder that holds WinsockSpi.sln, above the test binaries.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WinsockSpi.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("The repository root (WinsockSpi.sln) was not found above the test binaries.");
        }
    }

    /// <summary>Reads a file of the repository.</summary>
    /// <param name="relativePath">The path below the root, with '/' separators.</param>
    /// <returns>The text.</returns>
    public static string ReadText(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));
}
