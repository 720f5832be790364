using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Client.Internal;

/// <summary>ListOffsets for many partitions: one request per leader, retried on stale-leadership errors.</summary>
internal static class OffsetLookup
{
    public static async Task<Dictionary<TopicPartition, long>> ListOffsetsAsync(ClusterClient cluster, IReadOnlyList<TopicPartition> partitions,
        long timestamp, CancellationToken cancellationToken)
    {
        var result = new Dictionary<TopicPartition, long>();
        var pending = new List<TopicPartition>(partitions);
        for (int attempt = 0; pending.Count > 0; attempt++)
        {
            var metadata = cluster.Metadata;
            var byLeader = new Dictionary<int, List<TopicPartition>>();
            bool missing = false;
            foreach (var tp in pending)
            {
                int leader = metadata.LeaderOf(tp);
                if (leader < 0)
                {
                    missing = true;
                    continue;
                }
                if (!byLeader.TryGetValue(leader, out var list))
                    byLeader[leader] = list = [];
                list.Add(tp);
            }
            KafkaException? last = null;
            foreach (var (leader, list) in byLeader)
            {
                var request = new ListOffsetsRequest { ReplicaId = -1 };
                foreach (var group in list.GroupBy(tp => tp.Topic))
                {
                    var topic = new ListOffsetsRequest.Topic { Name = group.Key };
                    foreach (var tp in group)
                        topic.Partitions.Add(new ListOffsetsRequest.Partition { PartitionIndex = tp.Partition, Timestamp = timestamp, MaxNumOffsets = 1 });
                    request.Topics.Add(topic);
                }
                try
                {
                    var response = await cluster.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(leader, request, cancellationToken);
                    foreach (var topic in response.Topics)
                    {
                        foreach (var p in topic.Partitions)
                        {
                            var tp = new TopicPartition(topic.Name, p.PartitionIndex);
                            if (p.ErrorCode == ErrorCode.None)
                            {
                                result[tp] = p.Offset >= 0 ? p.Offset : p.OldStyleOffsets.Count > 0 ? p.OldStyleOffsets[0] : -1;
                                continue;
                            }
                            last = new KafkaException(p.ErrorCode, $"ListOffsets {tp}: {p.ErrorCode}");
                            if (!last.IsRetriable)
                                throw last;
                            cluster.MarkMetadataStale();
                        }
                    }
                }
                catch (KafkaException ex) when (ex.IsRetriable)
                {
                    last = ex;
                }
            }
            pending.RemoveAll(result.ContainsKey);
            if (pending.Count == 0)
                break;
            if (attempt >= 10)
                throw last ?? new KafkaException(ErrorCode.LeaderNotAvailable, $"no leader for {string.Join(", ", pending)}");
            if (missing || last is not null)
            {
                await Task.Delay(cluster.Options.RetryBackoffMs, cancellationToken);
                await cluster.RefreshMetadataAsync(pending.Select(tp => tp.Topic).Distinct().ToList(), false, cancellationToken);
            }
        }
        return result;
    }
}
