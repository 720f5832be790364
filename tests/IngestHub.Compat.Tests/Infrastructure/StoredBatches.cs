using IngestHub.Protocol.Records;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>Reads the batch headers of a topic's segment files under a server's data directory: what the log holds
/// exactly as the producer sent it (the codec of each batch, so a test can tell a compressed path was taken).</summary>
public static class StoredBatches
{
    public static List<RecordBatchHeader> Headers(string dataDir, string topic)
    {
        var headers = new List<RecordBatchHeader>();
        foreach (string directory in Directory.EnumerateDirectories(dataDir, topic + "-*"))
        {
            if (!int.TryParse(Path.GetFileName(directory)[(topic.Length + 1)..], out _))
                continue;
            foreach (string segment in Directory.EnumerateFiles(directory, "*.log"))
            {
                byte[] bytes;
                using (var stream = new FileStream(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    bytes = new byte[stream.Length];
                    stream.ReadExactly(bytes);
                }
                var batches = new RecordBatchEnumerator(bytes);
                while (batches.MoveNext())
                    headers.Add(batches.CurrentHeader);
            }
        }
        return headers;
    }
}
