using IngestHub.Broker.Security;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary><c>ingesthub users</c> on a data directory: credentials are salted SCRAM keys, never the password.</summary>
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ingesthub-users-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Users_add_list_delete_keep_salted_credentials_that_verify_the_password()
    {
        var added = await CliRun.ExecuteAsync(["users", "add", "carol", "--data-dir", _dataDir], "c4rol-Passw0rd\n");
        Assert.True(added.ExitCode == 0, added.ToString());
        var onlyScram512 = await CliRun.ExecuteAsync(["users", "add", "dave", "--password", "d4ve-pass", "--mechanism", "SCRAM-SHA-512", "--data-dir", _dataDir]);
        Assert.True(onlyScram512.ExitCode == 0, onlyScram512.ToString());

        var list = await CliRun.ExecuteAsync(["users", "list", "--data-dir", _dataDir]);
        Assert.Equal(["carol\tSCRAM-SHA-256,SCRAM-SHA-512", "dave\tSCRAM-SHA-512"], list.StdoutLines);

        string file = await File.ReadAllTextAsync(Path.Combine(_dataDir, CredentialStore.FileName), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("c4rol-Passw0rd", file, StringComparison.Ordinal);
        Assert.DoesNotContain("d4ve-pass", file, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDir, CredentialStore.FileName)));

        var store = new CredentialStore(_dataDir);
        Assert.True(store.VerifyPassword("carol", "c4rol-Passw0rd"));
        Assert.False(store.VerifyPassword("carol", "c4rol-passw0rd"));
        Assert.True(store.VerifyPassword("dave", "d4ve-pass"));
        Assert.Null(store.Find("dave", "SCRAM-SHA-256"));

        Assert.Equal(0, (await CliRun.ExecuteAsync(["users", "delete", "carol", "--data-dir", _dataDir])).ExitCode);
        Assert.False(store.VerifyPassword("carol", "c4rol-Passw0rd")); // the store re-reads the changed file
        var missing = await CliRun.ExecuteAsync(["users", "delete", "carol", "--data-dir", _dataDir]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no user carol", missing.Stderr, StringComparison.Ordinal);
        var weak = await CliRun.ExecuteAsync(["users", "add", "erin", "--password", "x", "--iterations", "10", "--data-dir", _dataDir]);
        Assert.Equal(2, weak.ExitCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }
}
