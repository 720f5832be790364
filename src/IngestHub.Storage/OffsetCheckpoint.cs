using System.Globalization;

namespace IngestHub.Storage;

/// <summary>A small text file holding one offset ("0\n&lt;offset&gt;\n"), replaced through <see cref="AtomicFile"/>.</summary>
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
        AtomicFile.WriteAllText(path, Version + "\n" + value.ToString(CultureInfo.InvariantCulture) + "\n");
    }
}
