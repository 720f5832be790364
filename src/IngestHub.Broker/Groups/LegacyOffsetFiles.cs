using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

/// <summary>
/// The offsets file of earlier versions: <c>&lt;data&gt;/__consumer_offsets/offsets.snapshot</c> (every live offset)
/// followed by <c>offsets.log</c> (later commits and deletes, up to a torn tail). At start the coordinator reads it,
/// writes its offsets to the <c>__consumer_offsets</c> topic, fsyncs them, and only then deletes the folder; a crash
/// in between migrates the same offsets again at the next start.
/// </summary>
internal static class LegacyOffsetFiles
{
    public const string FolderName = "__consumer_offsets";
    public const string LogFileName = "offsets.log";
    public const string SnapshotFileName = "offsets.snapshot";

    public static string Folder(string dataDir) => Path.Combine(dataDir, FolderName);

    public static bool Exist(string dataDir) =>
        File.Exists(Path.Combine(Folder(dataDir), LogFileName)) || File.Exists(Path.Combine(Folder(dataDir), SnapshotFileName));

    /// <summary>The offsets the files hold: the snapshot, then the log replayed over it.</summary>
    public static Dictionary<string, Dictionary<GroupPartition, CommittedOffset>> Read(string dataDir, ILogger logger)
    {
        var offsets = new Dictionary<string, Dictionary<GroupPartition, CommittedOffset>>(StringComparer.Ordinal);
        foreach (string name in new[] { SnapshotFileName, LogFileName })
        {
            string path = Path.Combine(Folder(dataDir), name);
            if (!File.Exists(path))
                continue;
            var data = File.ReadAllBytes(path);
            int position = 0;
            while (position < data.Length && OffsetLogRecord.TryRead(data.AsMemory(position), out var record, out int size))
            {
                if (record.IsDelete)
                {
                    if (offsets.TryGetValue(record.Group, out var map) && map.Remove(record.Partition) && map.Count == 0)
                        offsets.Remove(record.Group);
                }
                else
                {
                    if (!offsets.TryGetValue(record.Group, out var map))
                        offsets[record.Group] = map = [];
                    map[record.Partition] = record.Offset;
                }
                position += size;
            }
            if (position != data.Length)
                logger.LogWarning("Former offsets file {Path} is torn or corrupt after byte {Valid} of {Length}; later entries ignored", path, position, data.Length);
        }
        return offsets;
    }

    /// <summary>Deletes the former offsets folder (after its offsets are safely in the topic).</summary>
    public static void Retire(string dataDir)
    {
        string folder = Folder(dataDir);
        foreach (string name in new[] { LogFileName, SnapshotFileName })
            File.Delete(Path.Combine(folder, name));
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            Directory.Delete(folder);
    }
}
