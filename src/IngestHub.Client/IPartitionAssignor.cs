namespace IngestHub.Client;

/// <summary>A "consumer" protocol assignor run by the group leader.</summary>
public interface IPartitionAssignor
{
    /// <summary>The protocol name offered in JoinGroup (e.g. <c>range</c>).</summary>
    string Name { get; }

    /// <summary>Maps every member to its partitions. <paramref name="subscriptions"/>: member id → topics;
    /// <paramref name="partitionCounts"/>: topic → partition count (topics missing there are skipped).</summary>
    IReadOnlyDictionary<string, List<TopicPartition>> Assign(
        IReadOnlyDictionary<string, IReadOnlyList<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts);
}
