using System.Globalization;
using System.Text;
using IngestHub.Storage;

/// <summary>Replaces one file through <see cref="AtomicFile"/> with generation after generation (each large enough
/// that a kill often lands mid-write) and prints "wrote &lt;n&gt;" once each replacement returned.</summary>
internal static class AtomicFileWrites
{
    public const int PayloadBytes = 512 * 1024;

    public static int Run(string path, int count)
    {
        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        int first = Generation(path) + 1;
        stdout.WriteLine("ready " + (first - 1));
        for (int n = first; n - first < count; n++)
        {
            AtomicFile.Write(path, Content(n));
            stdout.WriteLine("wrote " + n);
        }
        return 0;
    }

    /// <summary>"gen n\n", PayloadBytes of one letter chosen by n, "\nend n\n".</summary>
    public static byte[] Content(int n)
    {
        var head = Encoding.ASCII.GetBytes($"gen {n}\n");
        var tail = Encoding.ASCII.GetBytes($"\nend {n}\n");
        var content = new byte[head.Length + PayloadBytes + tail.Length];
        head.CopyTo(content, 0);
        content.AsSpan(head.Length, PayloadBytes).Fill((byte)('a' + n % 26));
        tail.CopyTo(content, head.Length + PayloadBytes);
        return content;
    }

    private static int Generation(string path)
    {
        if (!File.Exists(path))
            return 0;
        var text = File.ReadAllText(path);
        return int.Parse(text.AsSpan(4, text.IndexOf('\n', StringComparison.Ordinal) - 4), CultureInfo.InvariantCulture);
    }
}
