using System.Runtime.InteropServices;
using System.Text;

namespace IngestHub.Storage;

/// <summary>
/// The one writer of small metadata files (checkpoints, topic and cluster metadata, offset snapshots, connector
/// state): a crash or power cut leaves either the old or the new content, never a mix. Writes go to
/// <c>&lt;path&gt;.tmp</c> in the same directory, which is fsynced, renamed over the target, and the directory is
/// fsynced so the rename itself is durable. Writers of the same path in this process take turns.
/// </summary>
public static partial class AtomicFile
{
    public const string TempSuffix = ".tmp";

    private static readonly object[] s_stripes = [.. Enumerable.Range(0, 32).Select(_ => new object())];

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>. <paramref name="mode"/>, when given,
    /// is the permission of the new file on Unix (e.g. owner read/write only for a file that may hold secrets).</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temp = full + TempSuffix;
        lock (s_stripes[(StringComparer.Ordinal.GetHashCode(full) & int.MaxValue) % s_stripes.Length])
        {
            try
            {
                File.Delete(temp); // a leftover of a crash, possibly with other permissions
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (mode is { } m && !OperatingSystem.IsWindows())
                    options.UnixCreateMode = m;
                using (var stream = new FileStream(temp, options))
                {
                    stream.Write(content);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temp, full, overwrite: true);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
            FsyncDirectory(directory);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> as UTF-8.</summary>
    public static void WriteAllText(string path, string content, UnixFileMode? mode = null) =>
        Write(path, Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Renames <paramref name="from"/> over <paramref name="to"/> (atomic within one directory) without the
    /// directory fsync, for multi-file protocols (the compaction segment swap) that rename several files and then
    /// call <see cref="FsyncDirectory"/> once per step.</summary>
    public static void Rename(string from, string to) => File.Move(from, to, overwrite: true);

    /// <summary>Makes the entries of <paramref name="directory"/> (a file just created, renamed or deleted in it)
    /// durable. .NET cannot open a directory, so this calls open/fsync directly on Linux and macOS.</summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
            return; // NTFS journals the rename; directories cannot be flushed there
        int fd = Native.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"cannot open directory {directory} to fsync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Native.Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system does not sync directories (some network and in-memory ones); nothing to do.
                if (errno != 22)
                    throw new IOException($"fsync of directory {directory} failed: errno {errno}");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
