using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// OffsetCommit, OffsetFetch and offset retention.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Handles an OffsetCommit, validated in Kafka's order: a commit naming a member (or a generation) must come
    /// from a current member (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) of the current generation
    /// (ILLEGAL_GENERATION); one naming neither (a standalone consumer or an admin tool) is only accepted while
    /// the group has no members. Only then is a group completing a rebalance answered REBALANCE_IN_PROGRESS;
    /// while a rebalance is only being prepared, current members still commit (they do so before rejoining).
    /// </summary>
    public async Task<OffsetCommitResponse> CommitOffsetsAsync(OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var error = CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed ? notServed
            : request.GroupId.Length == 0 ? ErrorCode.InvalidGroupId
            : ValidateCommit(request);
        long now = NowMs;
        var response = new OffsetCommitResponse();
        var accepted = new List<KeyValuePair<GroupPartition, CommittedOffset>>();
        var acceptedResults = new List<OffsetCommitResponse.Partition>();
        foreach (var topic in request.Topics)
        {
            var topicResult = new OffsetCommitResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new OffsetCommitResponse.Partition { PartitionIndex = partition.PartitionIndex, ErrorCode = error };
                topicResult.Partitions.Add(result);
                if (error != ErrorCode.None)
                    continue;
                if (partition.CommittedMetadata is { Length: > MaxMetadataLength })
                    result.ErrorCode = ErrorCode.OffsetMetadataTooLarge;
                else if (_endOffsets.LogEndOffset(topic.Name, partition.PartitionIndex) is null)
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                else
                {
                    accepted.Add(new(new GroupPartition(topic.Name, partition.PartitionIndex),
                        new CommittedOffset(partition.CommittedOffset, partition.CommittedLeaderEpoch, partition.CommittedMetadata, now)));
                    acceptedResults.Add(result);
                }
            }
        }
        try
        {
            await _store.CommitAsync(request.GroupId, accepted);
            if (accepted.Count > 0)
                Storage?.Succeeded($"offset commit of group {request.GroupId}");
            // A group that expired between validation and the write must exist again so its offsets can expire.
            if (accepted.Count > 0 && Coordinates(request.GroupId))
                _groups.GetOrAdd(request.GroupId, static (id, now) => new GroupMetadata(id, now), now);
        }
        catch (OffsetsTooLargeException e)
        {
            _logger.LogWarning("Offsets of group {Group} refused: {Reason}", request.GroupId, e.Message);
            foreach (var result in acceptedResults)
                result.ErrorCode = ErrorCode.InvalidCommitOffsetSize;
        }
        catch (OffsetWriteException e) when (e.Error is not ErrorCode.KafkaStorageError)
        {
            // Cluster mode: not the leader any more, too few in-sync replicas, or the replicas did not follow in time.
            _logger.LogWarning("Offsets of group {Group} not committed: {Reason}", request.GroupId, e.Message);
            foreach (var result in acceptedResults)
                result.ErrorCode = CommitError(e.Error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            if (Storage is not null && e is not ObjectDisposedException)
                Storage.Failed($"offset commit of group {request.GroupId}", e);
            else
                _logger.LogError(e, "Could not store offsets of group {Group}", request.GroupId);
            // Kafka's answer to a write the log refused (KAFKA_STORAGE_ERROR): NOT_COORDINATOR, so the client looks
            // the coordinator up again; a coordinator that is shutting down is not available.
            var answer = e is ObjectDisposedException ? ErrorCode.CoordinatorNotAvailable : ErrorCode.NotCoordinator;
            foreach (var result in acceptedResults)
                result.ErrorCode = answer;
        }
        return response;
    }

    private ErrorCode ValidateCommit(OffsetCommitRequest request)
    {
        if (ValidateConsumerGroupCommit(request) is { } consumerGroupError)
            return consumerGroupError;
        bool namesMember = request.GenerationId >= 0 || request.MemberId.Length > 0 || request.GroupInstanceId is not null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            GroupMetadata? group;
            if (!namesMember)
                group = _groups.GetOrAdd(request.GroupId, static (id, now) => new GroupMetadata(id, now), NowMs);
            else if (!_groups.TryGetValue(request.GroupId, out group))
                return request.GenerationId >= 0 ? ErrorCode.IllegalGeneration : ErrorCode.UnknownMemberId;
            lock (group.Gate)
            {
                if (group.State == GroupState.Dead)
                    continue;
                if (!namesMember)
                    return group.State == GroupState.Empty ? ErrorCode.None : ErrorCode.UnknownMemberId;
                var error = ValidateMember(group, request.MemberId, request.GroupInstanceId, out var member);
                if (error != ErrorCode.None)
                    return error;
                if (request.GenerationId != group.GenerationId)
                    return ErrorCode.IllegalGeneration;
                if (group.State == GroupState.CompletingRebalance)
                    return ErrorCode.RebalanceInProgress;
                member!.LastHeartbeatMs = NowMs;
                return ErrorCode.None;
            }
        }
        return ErrorCode.CoordinatorNotAvailable;
    }

    /// <summary>Handles an OffsetFetch: one group (v0-7) or several (v8+). Null topics (v2+) return every offset the
    /// group has committed; partitions without a commit report offset -1.</summary>
    public OffsetFetchResponse FetchOffsets(OffsetFetchRequest request, short version = 0)
    {
        var response = new OffsetFetchResponse();
        if (version >= 8)
        {
            foreach (var wanted in request.Groups)
            {
                var group = new OffsetFetchResponse.Group { GroupId = wanted.GroupId };
                response.Groups.Add(group);
                if (CoordinatorError(wanted.GroupId) is not ErrorCode.None and var notServed)
                    group.ErrorCode = notServed;
                else
                    group.Topics = FetchGroupOffsets(wanted.GroupId, wanted.Topics);
            }
            return response;
        }
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var error)
        {
            response.ErrorCode = error;
            return response;
        }
        response.Topics = FetchGroupOffsets(request.GroupId, request.Topics);
        return response;
    }

    private List<OffsetFetchResponse.Topic> FetchGroupOffsets(string groupId, List<OffsetFetchRequest.Topic>? wanted)
    {
        var topics = new List<OffsetFetchResponse.Topic>();
        if (wanted is null)
        {
            var byTopic = new Dictionary<string, OffsetFetchResponse.Topic>(StringComparer.Ordinal);
            foreach (var (partition, offset) in _store.GetAll(groupId))
            {
                if (!byTopic.TryGetValue(partition.Topic, out var topic))
                {
                    topic = new OffsetFetchResponse.Topic { Name = partition.Topic };
                    byTopic[partition.Topic] = topic;
                    topics.Add(topic);
                }
                topic.Partitions.Add(FetchResult(partition.Partition, offset));
            }
            return topics;
        }
        foreach (var requested in wanted)
        {
            var topic = new OffsetFetchResponse.Topic { Name = requested.Name };
            topics.Add(topic);
            foreach (int index in requested.PartitionIndexes)
            {
                topic.Partitions.Add(_store.TryGet(groupId, new GroupPartition(requested.Name, index), out var offset)
                    ? FetchResult(index, offset)
                    : new OffsetFetchResponse.Partition { PartitionIndex = index, CommittedOffset = -1, Metadata = "" });
            }
        }
        return topics;
    }

    private static OffsetFetchResponse.Partition FetchResult(int index, CommittedOffset offset) => new()
    {
        PartitionIndex = index,
        CommittedOffset = offset.Offset,
        CommittedLeaderEpoch = offset.LeaderEpoch,
        Metadata = offset.Metadata ?? "",
    };

    /// <summary>
    /// Offsets of a group that has been Empty for offsets.retention.minutes expire, each once it is also that
    /// old itself (so a standalone consumer's recent commits stay). A group left with no offsets is removed.
    /// </summary>
    private void ExpireOffsets(GroupMetadata group, long now)
    {
        if (group.Members.Count > 0 || group.PendingMembers.Count > 0)
            return;
        long retentionMs = (long)_options.OffsetsRetentionMinutes * 60_000;
        long emptyFor = now - group.StateSinceMs;
        int left;
        if (emptyFor >= retentionMs)
        {
            left = _store.Expire(group.GroupId, offset => now - offset.CommitTimestampMs >= retentionMs);
            if (left == 0)
                _logger.LogInformation("Group {Group} has been empty for {Minutes} minutes; its offsets expired", group.GroupId, emptyFor / 60_000);
        }
        else
        {
            if (emptyFor < EmptyGroupGraceMs)
                return;
            left = _store.HasOffsets(group.GroupId) ? 1 : 0;
        }
        if (left > 0)
            return;
        Transition(group, GroupState.Dead, now);
        _groups.TryRemove(new KeyValuePair<string, GroupMetadata>(group.GroupId, group));
    }
}
