using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Client.Internal;

/// <summary>OffsetFetch against a group's coordinator, retried while the coordinator moves or loads.</summary>
internal static class GroupOffsets
{
    /// <summary>Committed offsets; <paramref name="partitions"/> null asks for every committed partition (v2+).</summary>
    public static async Task<Dictionary<TopicPartition, long>> FetchAsync(ClusterClient cluster, string groupId,
        IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken)
    {
        var request = new OffsetFetchRequest { GroupId = groupId, Topics = partitions is null ? null : [] };
        if (partitions is not null)
        {
            foreach (var group in partitions.GroupBy(p => p.Topic))
                request.Topics!.Add(new OffsetFetchRequest.Topic { Name = group.Key, PartitionIndexes = [.. group.Select(p => p.Partition)] });
        }
        for (int attempt = 0; ; attempt++)
        {
            ErrorCode error;
            try
            {
                int coordinator = await cluster.FindCoordinatorAsync(groupId, cancellationToken);
                var response = await cluster.SendToCoordinatorAsync<OffsetFetchRequest, OffsetFetchResponse>(coordinator, request, cancellationToken);
                error = response.ErrorCode;
                if (error == ErrorCode.None)
                {
                    var result = new Dictionary<TopicPartition, long>();
                    foreach (var topic in response.Topics)
                    {
                        foreach (var p in topic.Partitions)
                        {
                            if (p.ErrorCode == ErrorCode.None)
                                result[new TopicPartition(topic.Name, p.PartitionIndex)] = p.CommittedOffset;
                            else if (!KafkaException.IsRetriableCode(p.ErrorCode) && p.ErrorCode != ErrorCode.UnknownTopicOrPartition)
                                throw new KafkaException(p.ErrorCode, $"OffsetFetch {groupId} {topic.Name}-{p.PartitionIndex}: {p.ErrorCode}");
                        }
                    }
                    return result;
                }
            }
            catch (KafkaException ex) when (ex.IsRetriable)
            {
                error = ex.ErrorCode;
            }
            if (error is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
                cluster.InvalidateCoordinator(groupId);
            if (!KafkaException.IsRetriableCode(error) || attempt >= 10)
                throw new KafkaException(error, $"OffsetFetch for group {groupId} failed: {error}");
            await Task.Delay(cluster.Options.RetryBackoffMs, cancellationToken);
        }
    }
}
