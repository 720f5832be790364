using IngestHub.Storage;

namespace IngestHub.Broker.Metadata;

/// <summary>
/// The cluster id and node id, kept in <c>meta.properties</c> in the data dir as Kafka does, so Metadata
/// answers with the same cluster id across restarts (librdkafka warns when it changes).
/// </summary>
public sealed class ClusterIdentity
{
    private const string FileName = "meta.properties";

    private ClusterIdentity(string clusterId, int nodeId)
    {
        ClusterId = clusterId;
        NodeId = nodeId;
    }

    public string ClusterId { get; }
    public int NodeId { get; }

    public static ClusterIdentity LoadOrCreate(string dataDir, int nodeId)
    {
        string path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            string? clusterId = null;
            foreach (var line in File.ReadAllLines(path))
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && line[..eq].Trim() == "cluster.id")
                    clusterId = line[(eq + 1)..].Trim();
            }
            if (!string.IsNullOrEmpty(clusterId))
                return new ClusterIdentity(clusterId, nodeId);
        }
        // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding (22 characters).
        string id = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        AtomicFile.WriteAllText(path, $"version=1\ncluster.id={id}\nnode.id={nodeId}\n");
        return new ClusterIdentity(id, nodeId);
    }
}
