namespace IngestHub.Client;

/// <summary>How a keyed record without an explicit partition is placed. Records without a key always use a
/// sticky partition that changes whenever its batch is closed.</summary>
public enum Partitioner
{
    /// <summary>Java default: <c>toPositive(murmur2(key)) % partitions</c>.</summary>
    Murmur2,
    /// <summary>librdkafka <c>consistent_random</c>: <c>crc32(key) % partitions</c>.</summary>
    ConsistentRandom,
}
