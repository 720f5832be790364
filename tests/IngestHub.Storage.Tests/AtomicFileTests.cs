using System.Diagnostics;
using System.Text;
using Xunit;

namespace IngestHub.Storage.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private const int PayloadBytes = 512 * 1024; // as tests/IngestHub.Storage.CrashWriter/AtomicFileWrites.cs
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Write_replaces_the_content_and_leaves_no_temp_file()
    {
        string path = _temp.Sub("meta.json");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second, longer than the first");
        AtomicFile.Write(path, "third"u8);

        Assert.Equal("third", File.ReadAllText(path));
        Assert.Equal(["meta.json"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_temp_file_left_by_a_crash_is_replaced_and_the_new_file_gets_the_mode_asked_for()
    {
        string path = _temp.Sub("state.json");
        File.WriteAllText(path + AtomicFile.TempSuffix, "torn half of an old wri");
        File.SetUnixFileMode(path + AtomicFile.TempSuffix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        AtomicFile.WriteAllText(path, "{\"secret\": true}", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("{\"secret\": true}", File.ReadAllText(path));
        Assert.False(File.Exists(path + AtomicFile.TempSuffix));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_failed_replacement_keeps_what_was_there_and_removes_its_temp_file()
    {
        string path = _temp.Sub("occupied");
        Directory.CreateDirectory(path); // a directory where the file should go: the rename fails
        File.WriteAllText(Path.Combine(path, "inside"), "kept");

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "new"));

        Assert.Equal("kept", File.ReadAllText(Path.Combine(path, "inside")));
        Assert.False(File.Exists(path + AtomicFile.TempSuffix));
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(_temp.Sub("missing/meta"), "x"));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_path_never_mix_their_contents()
    {
        string path = _temp.Sub("contended");
        AtomicFile.Write(path, Content(0, 64 * 1024));
        using var stop = new CancellationTokenSource();
        var torn = new List<string>();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                byte[] read = File.ReadAllBytes(path);
                if (Check(read, 64 * 1024) is null)
                    lock (torn)
                        torn.Add(Encoding.ASCII.GetString(read, 0, Math.Min(40, read.Length)));
            }
        }, Ct);
        Parallel.For(1, 121, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct },
            n => AtomicFile.Write(path, Content(n, 64 * 1024)));
        stop.Cancel();
        await reader;

        Assert.Empty(torn);
        Assert.NotNull(Check(File.ReadAllBytes(path), 64 * 1024));
        Assert.False(File.Exists(path + AtomicFile.TempSuffix));
    }

    [Fact]
    public async Task A_writer_killed_mid_replacement_leaves_the_old_or_the_new_content_never_a_mix()
    {
        string path = _temp.Sub("generations");
        int lastWritten = 0;
        for (int round = 0; round < 6; round++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [CrashWriterBuild.Dll(), "atomic-file", path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            int killAfter = 2 + Random.Shared.Next(12);
            int written = 0;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(Ct)) is not null)
            {
                if (line.StartsWith("wrote ", StringComparison.Ordinal))
                {
                    written++;
                    lastWritten = int.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);
                }
                if (written == killAfter || DateTime.UtcNow > deadline)
                    process.Kill(); // SIGKILL, most often in the middle of the next replacement
            }
            await process.WaitForExitAsync(Ct);
            Assert.True(written >= killAfter, "writer stopped early: " + await process.StandardError.ReadToEndAsync(Ct));

            int? generation = Check(File.ReadAllBytes(path), PayloadBytes);
            Assert.True(generation is not null, $"round {round}: the file is torn");
            // Acknowledged replacements are never lost; the one in flight at the kill may or may not have landed.
            Assert.InRange(generation!.Value, lastWritten, lastWritten + 1);
            lastWritten = generation.Value;
        }
    }

    [Fact]
    public void Each_replacement_fsyncs_the_file_before_the_rename_and_the_directory_after_it()
    {
        const string strace = "/usr/bin/strace";
        Assert.True(File.Exists(strace), $"{strace} is not installed (tests/run.sh installs it)");
        string path = _temp.Sub("traced");
        string trace = _temp.Sub("strace.txt");
        using (var process = Process.Start(new ProcessStartInfo(strace,
            ["-f", "-y", "-o", trace, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "dotnet", CrashWriterBuild.Dll(), "atomic-file", path, "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!)
        {
            string output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "traced writer did not finish");
            Assert.True(process.ExitCode == 0, output + process.StandardError.ReadToEnd());
        }
        var calls = File.ReadAllLines(trace).Where(l => l.Contains(_temp.Path, StringComparison.Ordinal) && !l.Contains("= -1", StringComparison.Ordinal)).ToList();
        string temp = path + AtomicFile.TempSuffix;
        int fileSync = calls.FindIndex(l => Syncs(l, temp));
        int rename = calls.FindIndex(l => l.Contains("rename", StringComparison.Ordinal) && l.Contains($"\"{temp}\"", StringComparison.Ordinal) && l.Contains($"\"{path}\"", StringComparison.Ordinal));
        int directorySync = calls.FindLastIndex(l => Syncs(l, _temp.Path));
        string all = string.Join("\n", calls);
        Assert.True(fileSync >= 0, "no fsync of the temp file:\n" + all);
        Assert.True(rename > fileSync, "the rename is not after the file's fsync:\n" + all);
        Assert.True(directorySync > rename, "no fsync of the directory after the rename:\n" + all);
        Assert.Equal(1, Check(File.ReadAllBytes(path), PayloadBytes));
    }

    private static bool Syncs(string line, string path) =>
        (line.Contains("fsync(", StringComparison.Ordinal) || line.Contains("fdatasync(", StringComparison.Ordinal))
        && line.Contains($"<{path}>)", StringComparison.Ordinal);

    private static byte[] Content(int n, int payload)
    {
        var head = Encoding.ASCII.GetBytes($"gen {n}\n");
        var tail = Encoding.ASCII.GetBytes($"\nend {n}\n");
        var content = new byte[head.Length + payload + tail.Length];
        head.CopyTo(content, 0);
        content.AsSpan(head.Length, payload).Fill((byte)('a' + n % 26));
        tail.CopyTo(content, head.Length + payload);
        return content;
    }

    /// <summary>The generation of a whole file as <see cref="Content"/> builds it, or null when it is torn.</summary>
    private static int? Check(byte[] content, int payload)
    {
        int newline = Array.IndexOf(content, (byte)'\n');
        if (newline < 5 || !int.TryParse(Encoding.ASCII.GetString(content, 4, newline - 4), out int n))
            return null;
        return content.AsSpan().SequenceEqual(Content(n, payload)) ? n : null;
    }
}
