using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>Runs a script from the test project's node folder (kafkajs pinned in its package.json) with a deadline.</summary>
public static class NodeScript
{
    private static readonly SemaphoreSlim s_installLock = new(1, 1);
    private static bool s_installed;

    public static async Task<ProcessResult> RunAsync(string script, IReadOnlyList<string> args, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        await EnsureInstalledAsync(cancellationToken);
        string path = Path.Combine(RepoLayout.NodeDir, script);
        Assert.True(File.Exists(path), $"missing node script {path}");
        return await ChildProcess.RunAsync("node", [path, .. args], timeout,
            workingDirectory: RepoLayout.NodeDir, cancellationToken: cancellationToken);
    }

    /// <summary>CI installs the packages before the tests; a developer's first local run installs them here.</summary>
    private static async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        await s_installLock.WaitAsync(cancellationToken);
        try
        {
            if (s_installed || File.Exists(Path.Combine(RepoLayout.NodeDir, "node_modules", "kafkajs", "package.json")))
            {
                s_installed = true;
                return;
            }
            var install = await ChildProcess.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"],
                TimeSpan.FromMinutes(3), workingDirectory: RepoLayout.NodeDir, cancellationToken: cancellationToken);
            Assert.True(install.Succeeded, "npm install failed:\n" + install.Describe());
            s_installed = true;
        }
        finally
        {
            s_installLock.Release();
        }
    }
}
