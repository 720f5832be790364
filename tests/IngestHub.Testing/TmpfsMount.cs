using System.Diagnostics;

namespace IngestHub.Testing;

/// <summary>
/// A small tmpfs mounted on a directory (root only), to run a disk full for real: <see cref="Fill"/> takes every
/// free byte with a filler file, <see cref="Free"/> gives it back. Dispose unmounts (lazily when still busy).
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    public const string FillerName = "filler.bin";

    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public string FillerPath => System.IO.Path.Combine(Path, FillerName);

    /// <summary>Mounts a tmpfs of <paramref name="sizeBytes"/> on <paramref name="directory"/> (created when
    /// missing); null with the reason when mounting is not permitted here.</summary>
    public static TmpfsMount? TryMount(string directory, long sizeBytes, out string reason)
    {
        Directory.CreateDirectory(directory);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes}", "tmpfs", directory);
        if (exitCode != 0)
        {
            reason = $"cannot mount a tmpfs on {directory} (needs root or CAP_SYS_ADMIN): {output.Trim()}";
            return null;
        }
        reason = "";
        return new TmpfsMount(directory);
    }

    /// <summary>Writes the filler file until the file system refuses a single page more; returns its size.</summary>
    public long Fill()
    {
        using var stream = new FileStream(FillerPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        foreach (int chunk in (int[])[1 << 20, 4096, 1])
        {
            var bytes = new byte[chunk];
            Array.Fill(bytes, (byte)0x5a);
            try
            {
                for (int i = 0; i < 1 << 20; i++)
                    stream.Write(bytes);
            }
            catch (IOException)
            {
            }
        }
        return stream.Length;
    }

    /// <summary>Deletes the filler file: the space is free again.</summary>
    public void Free() => File.Delete(FillerPath);

    public void Dispose()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            if (Run("umount", Path).ExitCode == 0)
                return;
            Thread.Sleep(100);
        }
        Run("umount", "-l", Path);
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(psi)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return (-1, $"{file} did not finish within 30 s");
            }
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"{file}: {ex.Message}");
        }
    }
}
