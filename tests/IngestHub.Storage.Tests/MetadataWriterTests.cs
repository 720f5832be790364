using System.Text.RegularExpressions;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>Every metadata file of the product goes through <see cref="AtomicFile"/>: no other source file
/// replaces files by renaming them or writes whole files with the non-durable File helpers.</summary>
public sealed partial class MetadataWriterTests
{
    [GeneratedRegex(@"(?<![A-Za-z])File\.(Move|Replace|Copy|WriteAll(Text|Bytes|Lines)(Async)?|AppendAll\w*)\s*\(|Directory\.Move\s*\(|""\.tmp""")]
    private static partial Regex NonAtomicWrite();

    [Fact]
    public void No_source_file_but_AtomicFile_writes_metadata_by_rename_or_whole_file_helpers()
    {
        string root = CrashWriterBuild.RepositoryRoot();
        string atomicFile = Path.Combine(root, "src", "IngestHub.Storage", "AtomicFile.cs");
        var offenders = new List<string>();
        int scanned = 0;
        foreach (string folder in new[] { "src", "connectors" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    continue;
                scanned++;
                if (file == atomicFile)
                    continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (NonAtomicWrite().IsMatch(lines[i]))
                        offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(scanned > 100, $"only {scanned} source files found under {root}");
        Assert.True(File.Exists(atomicFile));
        Assert.True(offenders.Count == 0, "write through AtomicFile instead:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Offset_checkpoints_are_replaced_whole_even_over_a_leftover_temp_file()
    {
        using var temp = new TempDirectory();
        string path = temp.Sub("recovery-point-offset-checkpoint");
        File.WriteAllText(path + AtomicFile.TempSuffix, "0\n12");
        OffsetCheckpoint.Write(path, 42);
        OffsetCheckpoint.Write(path, 4242);
        Assert.Equal(4242, OffsetCheckpoint.Read(path, -1));
        Assert.Equal("0\n4242\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + AtomicFile.TempSuffix));
    }
}
