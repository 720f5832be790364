using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// DeleteGroups and OffsetDelete.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// DeleteGroups as Kafka answers it: an empty group (or one known only by its offsets) is removed with its
    /// committed offsets; a group with members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
    /// </summary>
    public DeleteGroupsResponse DeleteGroups(DeleteGroupsRequest request)
    {
        var response = new DeleteGroupsResponse();
        foreach (string groupId in request.GroupNames)
            response.Results.Add(new DeleteGroupsResponse.Result { GroupId = groupId, ErrorCode = DeleteGroup(groupId) });
        return response;
    }

    private ErrorCode DeleteGroup(string groupId)
    {
        if (CoordinatorError(groupId) is not ErrorCode.None and var notServed)
            return notServed;
        if (groupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup))
        {
            lock (consumerGroup.Gate)
            {
                if (consumerGroup.Members.Count > 0)
                    return ErrorCode.NonEmptyGroup;
                consumerGroup.Removed = true;
                _consumerGroups.TryRemove(new KeyValuePair<string, ConsumerGroup>(groupId, consumerGroup));
                PersistConsumerGroup(consumerGroup);
            }
            if (!_groups.ContainsKey(groupId))
            {
                _store.Delete(groupId, static _ => true);
                _logger.LogInformation("Deleted consumer group {Group} and its committed offsets", groupId);
                return ErrorCode.None;
            }
        }
        if (!_groups.TryGetValue(groupId, out var group))
            return ErrorCode.GroupIdNotFound;
        lock (group.Gate)
        {
            if (group.State == GroupState.Dead)
                return ErrorCode.GroupIdNotFound;
            if (group.State != GroupState.Empty || group.Members.Count > 0 || group.PendingMembers.Count > 0)
                return ErrorCode.NonEmptyGroup;
            _store.Delete(groupId, static _ => true);
            Transition(group, GroupState.Dead, NowMs);
            _groups.TryRemove(new KeyValuePair<string, GroupMetadata>(groupId, group));
        }
        _logger.LogInformation("Deleted group {Group} and its committed offsets", groupId);
        return ErrorCode.None;
    }

    /// <summary>
    /// OffsetDelete: removes committed offsets of partitions the group no longer consumes. While the group has
    /// members, a partition of a topic they subscribe to is refused with GROUP_SUBSCRIBED_TO_TOPIC; an unknown
    /// group is GROUP_ID_NOT_FOUND for the whole request.
    /// </summary>
    public OffsetDeleteResponse DeleteOffsets(OffsetDeleteRequest request)
    {
        var response = new OffsetDeleteResponse();
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
        {
            response.ErrorCode = notServed;
            return response;
        }
        if (request.GroupId.Length == 0)
        {
            response.ErrorCode = ErrorCode.InvalidGroupId;
            return response;
        }
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            response.ErrorCode = ErrorCode.GroupIdNotFound;
            return response;
        }
        lock (group.Gate)
        {
            if (group.State == GroupState.Dead)
            {
                response.ErrorCode = ErrorCode.GroupIdNotFound;
                return response;
            }
            var subscribed = SubscribedTopics(group);
            var removed = new HashSet<GroupPartition>();
            foreach (var topic in request.Topics)
            {
                var topicResult = new OffsetDeleteResponse.Topic { Name = topic.Name };
                response.Topics.Add(topicResult);
                foreach (var partition in topic.Partitions)
                {
                    var result = new OffsetDeleteResponse.Partition { PartitionIndex = partition.PartitionIndex };
                    topicResult.Partitions.Add(result);
                    if (subscribed is null ? group.Members.Count > 0 : subscribed.Contains(topic.Name))
                        result.ErrorCode = ErrorCode.GroupSubscribedToTopic;
                    else if (_endOffsets.LogEndOffset(topic.Name, partition.PartitionIndex) is null)
                        result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    else
                        removed.Add(new GroupPartition(topic.Name, partition.PartitionIndex));
                }
            }
            if (removed.Count > 0)
                _store.Delete(request.GroupId, removed.Contains);
        }
        return response;
    }

    /// <summary>Topics the group's members subscribe to, from their consumer-protocol subscriptions; null when the
    /// members use a protocol whose subscriptions cannot be read (every topic then counts as subscribed).</summary>
    private HashSet<string>? SubscribedTopics(GroupMetadata group)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        if (_consumerGroups.TryGetValue(group.GroupId, out var consumerGroup))
        {
            lock (consumerGroup.Gate)
                foreach (var member in consumerGroup.Members.Values)
                    topics.UnionWith(member.SubscribedTopics);
        }
        if (group.Members.Count == 0)
            return topics;
        if (group.ProtocolType != "consumer" || group.ProtocolName is null)
            return null;
        foreach (var member in group.Members)
        {
            var metadata = member.MetadataFor(group.ProtocolName);
            if (metadata is null)
                continue;
            try
            {
                topics.UnionWith(ConsumerProtocolSubscription.Read(metadata).Topics);
            }
            catch (MalformedMessageException)
            {
                return null;
            }
        }
        return topics;
    }
}
