using System.Globalization;

namespace IngestHub.Storage;

/// <summary>A small text file holding one offset ("0\n&lt;offset&gt;\n"), replaced atomically (write, fsync, rename).</summary>
public static class OffsetCheckpoint
{
    private const string Version = "0";

    public static long Read(string path, long fallback)
    {
        try
        {
            if (!File.Exists(path))
                return fallback;
            var lines = File.ReadAllLines(path);
            if (lines.Length >= 2 && lines[0] == Version && long.TryParse(lines[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0)
                return value;
            return fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }

    public static void Write(string path, long value)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using var writer = new StreamWriter(stream);
            writer.Write(Version + "\n" + value.ToString(CultureInfo.InvariantCulture) + "\n");
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
