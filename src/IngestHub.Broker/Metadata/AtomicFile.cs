namespace IngestHub.Broker.Metadata;

/// <summary>Writes small metadata files so that a crash leaves either the old or the new content:
/// write a temp file, fsync it, rename over the target, fsync the directory.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string content)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(content);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (UnauthorizedAccessException)
        {
            // Some file systems refuse to open directories; the rename is still atomic.
        }
        catch (IOException)
        {
        }
    }
}
