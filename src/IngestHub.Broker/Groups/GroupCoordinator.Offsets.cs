using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// OffsetCommit, OffsetFetch and offset retention.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Handles an OffsetCommit. Members must name the current generation; a commit with generation -1 (a
    /// standalone consumer) is accepted while the group has no members. Commits are accepted while the group
    /// prepares a rebalance (members commit before rejoining) but not while it completes one.
    /// </summary>
    public async Task<OffsetCommitResponse> CommitOffsetsAsync(OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var error = _stopped ? ErrorCode.CoordinatorNotAvailable
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
            await _store.CommitAsync(request.GroupId, accepted, cancellationToken);
            // A group that expired between validation and the write must exist again so its offsets can expire.
            if (accepted.Count > 0)
                _groups.GetOrAdd(request.GroupId, static (id, now) => new GroupMetadata(id, now), now);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogError(e, "Could not store offsets of group {Group}", request.GroupId);
            foreach (var result in acceptedResults)
                result.ErrorCode = ErrorCode.CoordinatorNotAvailable;
        }
        return response;
    }

    private ErrorCode ValidateCommit(OffsetCommitRequest request)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            GroupMetadata? group;
            if (request.GenerationId < 0)
                group = _groups.GetOrAdd(request.GroupId, static (id, now) => new GroupMetadata(id, now), NowMs);
            else if (!_groups.TryGetValue(request.GroupId, out group))
                return ErrorCode.IllegalGeneration;
            lock (group.Gate)
            {
                if (group.State == GroupState.Dead)
                    continue;
                if (request.GenerationId < 0 && group.State == GroupState.Empty)
                    return ErrorCode.None;
                if (group.State == GroupState.CompletingRebalance)
                    return ErrorCode.RebalanceInProgress;
                var error = ValidateMember(group, request.MemberId, request.GroupInstanceId, out var member);
                if (error != ErrorCode.None)
                    return error;
                if (request.GenerationId != group.GenerationId)
                    return ErrorCode.IllegalGeneration;
                member!.LastHeartbeatMs = NowMs;
                return ErrorCode.None;
            }
        }
        return ErrorCode.CoordinatorNotAvailable;
    }

    /// <summary>Handles an OffsetFetch; null topics (v2+) return every offset the group has committed.
    /// Partitions without a commit report offset -1.</summary>
    public OffsetFetchResponse FetchOffsets(OffsetFetchRequest request)
    {
        var response = new OffsetFetchResponse();
        if (_stopped)
        {
            response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            return response;
        }
        if (request.Topics is null)
        {
            var byTopic = new Dictionary<string, OffsetFetchResponse.Topic>(StringComparer.Ordinal);
            foreach (var (partition, offset) in _store.GetAll(request.GroupId))
            {
                if (!byTopic.TryGetValue(partition.Topic, out var topic))
                {
                    topic = new OffsetFetchResponse.Topic { Name = partition.Topic };
                    byTopic[partition.Topic] = topic;
                    response.Topics.Add(topic);
                }
                topic.Partitions.Add(FetchResult(partition.Partition, offset));
            }
            return response;
        }
        foreach (var requested in request.Topics)
        {
            var topic = new OffsetFetchResponse.Topic { Name = requested.Name };
            response.Topics.Add(topic);
            foreach (int index in requested.PartitionIndexes)
            {
                topic.Partitions.Add(_store.TryGet(request.GroupId, new GroupPartition(requested.Name, index), out var offset)
                    ? FetchResult(index, offset)
                    : new OffsetFetchResponse.Partition { PartitionIndex = index, CommittedOffset = -1, Metadata = "" });
            }
        }
        return response;
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
