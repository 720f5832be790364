using System.Reflection;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>Paths inside the source tree, found by walking up from the test binaries to the solution file.</summary>
public static class RepoLayout
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    /// <summary>Debug or Release: the configuration this test assembly was built with, so the Server matches it.</summary>
    public static string Configuration =>
        typeof(RepoLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string ServerDll =>
        Path.Combine(Root, "src", "IngestHub.Server", "bin", Configuration, "net10.0", "IngestHub.Server.dll");

    public static string NodeDir => Path.Combine(Root, "tests", "IngestHub.Compat.Tests", "node");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IngestHub.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no IngestHub.sln above {AppContext.BaseDirectory}");
    }
}
