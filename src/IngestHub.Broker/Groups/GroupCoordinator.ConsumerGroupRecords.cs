using IngestHub.Broker.Groups.OffsetsTopic;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// Consumer-protocol (KIP-848) groups kept in __consumer_offsets as Kafka keeps them: the group epoch, each member's
// metadata, the target assignment (its epoch and each member's share) and each member's current assignment.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Writes what changed in the group's records since they were last written: every record the group's state
    /// implies is encoded and compared with the last value written under its key; new and changed ones are
    /// appended, keys no longer implied (a member that left, a removed group) get tombstones. Called under the
    /// group's lock after each change. A failed write is logged; the next change writes the difference again.
    /// </summary>
    private void PersistConsumerGroup(ConsumerGroup group)
    {
        var wanted = group.Removed ? new Dictionary<ConsumerGroupRecordKey, byte[]>() : ConsumerGroupRecords(group);
        var changes = new List<(byte[] Key, byte[]? Value)>();
        foreach (var (key, value) in wanted)
        {
            if (!group.Written.TryGetValue(key, out var written) || !written.AsSpan().SequenceEqual(value))
                changes.Add((OffsetsTopicFormat.EncodeKey(key), value));
        }
        foreach (var key in group.Written.Keys)
        {
            if (!wanted.ContainsKey(key))
                changes.Add((OffsetsTopicFormat.EncodeKey(key), null));
        }
        if (changes.Count == 0)
            return;
        try
        {
            _store.WriteConsumerGroupRecords(group.GroupId, changes);
            group.Written.Clear();
            foreach (var (key, value) in wanted)
                group.Written[key] = value;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogWarning(e, "Could not write the records of consumer group {Group} to {Topic}", group.GroupId, Metadata.TopicName.ConsumerOffsets);
        }
    }

    private Dictionary<ConsumerGroupRecordKey, byte[]> ConsumerGroupRecords(ConsumerGroup group)
    {
        string id = group.GroupId;
        var records = new Dictionary<ConsumerGroupRecordKey, byte[]>
        {
            [new(ConsumerGroupRecordType.Metadata, id)] = OffsetsTopicFormat.EncodeValue(new ConsumerGroupMetadataValue(group.GroupEpoch)),
            [new(ConsumerGroupRecordType.TargetAssignmentMetadata, id)] = OffsetsTopicFormat.EncodeValue(new ConsumerGroupTargetAssignmentMetadataValue(group.AssignmentEpoch)),
        };
        foreach (var member in group.Members.Values)
        {
            records[new(ConsumerGroupRecordType.MemberMetadata, id, member.MemberId)] = OffsetsTopicFormat.EncodeValue(new ConsumerGroupMemberMetadataValue(
                member.InstanceId, member.RackId, member.ClientId, member.ClientHost, member.SubscribedTopics, null, member.RebalanceTimeoutMs, member.Assignor));
            records[new(ConsumerGroupRecordType.TargetAssignmentMember, id, member.MemberId)] =
                OffsetsTopicFormat.EncodeValue(new ConsumerGroupTargetAssignmentMemberValue(ByTopicId(member.Target)));
            sbyte state = member.PendingRevocation.Count > 0 ? ConsumerGroupCurrentMemberAssignmentValue.UnrevokedPartitions
                : !member.Assigned.SetEquals(member.Target) ? ConsumerGroupCurrentMemberAssignmentValue.UnreleasedPartitions
                : ConsumerGroupCurrentMemberAssignmentValue.Stable;
            records[new(ConsumerGroupRecordType.CurrentMemberAssignment, id, member.MemberId)] = OffsetsTopicFormat.EncodeValue(new ConsumerGroupCurrentMemberAssignmentValue(
                member.MemberEpoch, member.PreviousEpoch, state, ByTopicId(member.Assigned), ByTopicId(member.PendingRevocation)));
        }
        return records;
    }

    /// <summary>Partitions grouped by topic id, topics and partitions in order (so equal sets encode equally); topics
    /// that no longer exist are left out.</summary>
    private List<TopicIdPartitions> ByTopicId(IEnumerable<GroupPartition> partitions)
    {
        var topics = new List<TopicIdPartitions>();
        foreach (var topic in partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (TopicCatalog!.TryGetTopic(topic.Key, out var topicId, out _))
                topics.Add(new TopicIdPartitions(topicId, [.. topic.Select(p => p.Partition).Order()]));
        }
        return topics;
    }

    private IEnumerable<GroupPartition> ByName(IReadOnlyList<TopicIdPartitions> topics)
    {
        foreach (var topic in topics)
        {
            if (TopicCatalog!.TopicName(topic.TopicId) is not { } name)
                continue;
            foreach (int partition in topic.Partitions)
                yield return new GroupPartition(name, partition);
        }
    }

    /// <summary>
    /// Rebuilds the consumer-protocol groups from their records, as Kafka's coordinator replays them: the group and
    /// assignment epochs, and every member with its metadata, target and current assignment and epochs. Each member
    /// must heartbeat within the session timeout counted from now; one that does not is removed and the group's
    /// assignment recomputed. A member that comes back with its epoch keeps its partitions.
    /// </summary>
    private void RestoreConsumerGroups(long now, Func<string, bool> include)
    {
        if (TopicCatalog is null)
            return;
        var loaded = _store.LoadedConsumerGroupRecords;
        foreach (var groupRecords in loaded.GroupBy(r => r.Key.Group, StringComparer.Ordinal))
        {
            if (!include(groupRecords.Key))
                continue;
            var group = new ConsumerGroup(groupRecords.Key) { LastActivityMs = now };
            var members = new Dictionary<string, ConsumerGroupMember>(StringComparer.Ordinal);
            foreach (var (key, value) in groupRecords)
            {
                if (key.Type == ConsumerGroupRecordType.MemberMetadata && value is ConsumerGroupMemberMetadataValue metadata)
                {
                    members[key.MemberId!] = new ConsumerGroupMember(key.MemberId!)
                    {
                        InstanceId = metadata.InstanceId,
                        RackId = metadata.RackId,
                        ClientId = metadata.ClientId,
                        ClientHost = metadata.ClientHost,
                        SubscribedTopics = [.. metadata.SubscribedTopicNames],
                        RebalanceTimeoutMs = metadata.RebalanceTimeoutMs,
                        Assignor = metadata.ServerAssignor ?? ServerAssignor.Uniform,
                        LastHeartbeatMs = now,
                    };
                }
            }
            foreach (var (key, value) in groupRecords)
            {
                switch (value)
                {
                    case ConsumerGroupMetadataValue metadata:
                        group.GroupEpoch = metadata.Epoch;
                        break;
                    case ConsumerGroupTargetAssignmentMetadataValue target:
                        group.AssignmentEpoch = target.AssignmentEpoch;
                        break;
                    case ConsumerGroupTargetAssignmentMemberValue target when members.TryGetValue(key.MemberId!, out var member):
                        member.Target = [.. ByName(target.TopicPartitions)];
                        break;
                    case ConsumerGroupCurrentMemberAssignmentValue current when members.TryGetValue(key.MemberId!, out var member):
                        member.MemberEpoch = current.MemberEpoch;
                        member.PreviousEpoch = current.PreviousMemberEpoch;
                        member.Assigned.UnionWith(ByName(current.AssignedPartitions));
                        member.PendingRevocation.UnionWith(ByName(current.PartitionsPendingRevocation));
                        member.RevokingSinceMs = now;
                        break;
                }
            }
            foreach (var member in members.Values)
            {
                member.LastSent = (member.MemberEpoch, member.Assigned.Count, AssignmentHash(member.Assigned));
                group.Members[member.MemberId] = member;
            }
            if (members.Count > 0)
            {
                group.Assignor = members.Values.GroupBy(m => m.Assignor, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            }
            // What was read is what is written: only later changes are appended.
            foreach (var (key, value) in ConsumerGroupRecords(group))
                group.Written[key] = value;
            // Keys read that the state no longer implies (records of members whose metadata was tombstoned) go.
            foreach (var (key, _) in groupRecords)
            {
                if (!group.Written.ContainsKey(key))
                    group.Written[key] = [];
            }
            _consumerGroups[group.GroupId] = group;
            _logger.LogInformation("Consumer group {Group} restored at epoch {Epoch} with {Members} members; they must heartbeat within {Timeout} ms",
                group.GroupId, group.GroupEpoch, group.Members.Count, _options.GroupConsumerSessionTimeoutMs);
        }
    }
}
