using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>Where the crash writer child process (tests/IngestHub.Storage.CrashWriter) is built.</summary>
internal static class CrashWriterBuild
{
    public static string Dll()
    {
        // tests/IngestHub.Storage.Tests/bin/<Configuration>/<tfm>/ → tests/IngestHub.Storage.CrashWriter/bin/<Configuration>/<tfm>/
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testBin.Name, configuration = testBin.Parent!.Name;
        string testsRoot = testBin.Parent.Parent!.Parent!.Parent!.FullName;
        string dll = Path.Combine(testsRoot, "IngestHub.Storage.CrashWriter", "bin", configuration, tfm, "IngestHub.Storage.CrashWriter.dll");
        Assert.True(File.Exists(dll), "crash writer not built at " + dll);
        return dll;
    }

    /// <summary>The repository root (the directory holding IngestHub.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IngestHub.sln")))
                return dir.FullName;
        throw new InvalidOperationException("IngestHub.sln not found above " + AppContext.BaseDirectory);
    }
}
