using System.Globalization;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// One kcat balanced consumer (<c>kcat -G group topic</c>) printing "partition offset" per record, unbuffered so a
/// SIGKILL loses no printed line. Auto-commit is on (librdkafka's default).
/// </summary>
public sealed class KcatGroupMember : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private KcatGroupMember(string name, BackgroundProcess process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public BackgroundProcess Process => _process;

    public bool HasExited => _process.HasExited;

    public int Count => _process.LineCount;

    public static KcatGroupMember Start(string name, string bootstrap, string group, string topic, params string[] settings)
    {
        var args = new List<string>
        {
            "-b", bootstrap, "-G", group, topic, "-u", "-f", @"%p %o\n",
            "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-X", "client.id=" + name,
        };
        foreach (string setting in settings)
        {
            args.Add("-X");
            args.Add(setting);
        }
        return new KcatGroupMember(name, BackgroundProcess.Start("kcat", args));
    }

    /// <summary>The records (partition, offset) printed from line <paramref name="start"/> on.</summary>
    public List<(int Partition, long Offset)> Records(int start = 0)
    {
        var records = new List<(int, long)>();
        var lines = _process.Lines(start);
        bool exited = _process.HasExited; // after the copy: a cut line is only read at end of file, once the process is gone
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0
                || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int partition)
                || !long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            {
                // Unbuffered kcat writes "%p", " ", "%o" and "\n" one by one: a SIGKILL can cut the last line short.
                if (exited && i == lines.Count - 1)
                    break;
                throw new FormatException($"{Name}: unexpected kcat line '{line}'");
            }
            records.Add((partition, offset));
        }
        return records;
    }

    public SortedSet<int> Partitions(int start = 0) => [.. Records(start).Select(r => r.Partition)];

    public void Kill() => _process.Kill();

    public Task<bool> StopAsync() => _process.StopAsync();

    public string Describe(int maxChars = 3000) => $"[{Name}] " + _process.Describe(maxChars);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
