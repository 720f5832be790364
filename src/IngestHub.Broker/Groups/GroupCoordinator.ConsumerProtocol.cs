using System.Collections.Concurrent;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// The consumer group protocol (KIP-848): ConsumerGroupHeartbeat and ConsumerGroupDescribe, assignment computed here.
public sealed partial class GroupCoordinator
{
    /// <summary>The group type ListGroups reports for groups of the consumer protocol.</summary>
    public const string ConsumerGroupType = "consumer";

    private readonly ConcurrentDictionary<string, ConsumerGroup> _consumerGroups = new(StringComparer.Ordinal);

    /// <summary>Topic ids and partition counts for server-side assignment; consumer-protocol heartbeats are refused
    /// without it.</summary>
    public ITopicCatalog? TopicCatalog { get; init; }

    /// <summary>Where failed offset writes are reported (disk full, read-only disk); null logs them only.</summary>
    public Logs.StorageHealth? Storage { get; init; }

    /// <summary>
    /// One ConsumerGroupHeartbeat: epoch 0 joins (the member id is the client's, or one is given), -1 and -2 leave,
    /// any other must be the member's current epoch (FENCED_MEMBER_EPOCH otherwise). Each heartbeat recomputes the
    /// target assignment from the members' subscriptions and the topics' partitions (a change raises the group
    /// epoch), then moves the member toward its target: partitions it must give up are taken first (same epoch),
    /// and once it reports them released it receives the target epoch and every target partition no other member
    /// still holds.
    /// </summary>
    public ConsumerGroupHeartbeatResponse ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest request, string clientId, string clientHost)
    {
        var response = new ConsumerGroupHeartbeatResponse { MemberId = request.MemberId, MemberEpoch = request.MemberEpoch, HeartbeatIntervalMs = _options.GroupConsumerHeartbeatIntervalMs };
        ErrorCode Fail(ErrorCode error, string? message)
        {
            response.ErrorCode = error;
            response.ErrorMessage = message;
            return error;
        }
        if (_stopped || TopicCatalog is null)
        {
            Fail(ErrorCode.CoordinatorNotAvailable, null);
            return response;
        }
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
        {
            Fail(notServed, null);
            return response;
        }
        if (request.GroupId.Length == 0)
        {
            Fail(ErrorCode.InvalidGroupId, "GroupId can't be empty.");
            return response;
        }
        if (request.MemberEpoch == 0 && (request.SubscribedTopicNames is null || request.RebalanceTimeoutMs <= 0))
        {
            Fail(ErrorCode.InvalidRequest, "SubscribedTopicNames and RebalanceTimeoutMs must be set when joining.");
            return response;
        }
        if (request.ServerAssignor is { } wanted && !ServerAssignor.IsKnown(wanted))
        {
            Fail(ErrorCode.UnsupportedAssignor, $"ServerAssignor {wanted} is not supported. Supported assignors: {ServerAssignor.Uniform}, {ServerAssignor.Range}.");
            return response;
        }
        if (_groups.TryGetValue(request.GroupId, out var classic))
        {
            lock (classic.Gate)
            {
                if (classic.Members.Count > 0 || classic.PendingMembers.Count > 0)
                {
                    Fail(ErrorCode.GroupIdNotFound, $"Group {request.GroupId} is a classic group with members.");
                    return response;
                }
            }
        }

        long now = NowMs;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            ConsumerGroup? group;
            if (request.MemberEpoch == 0)
                group = _consumerGroups.GetOrAdd(request.GroupId, static id => new ConsumerGroup(id));
            else if (!_consumerGroups.TryGetValue(request.GroupId, out group))
            {
                Fail(request.MemberEpoch < 0 ? ErrorCode.None : ErrorCode.UnknownMemberId, null);
                return response;
            }
            lock (group.Gate)
            {
                if (group.Removed)
                    continue;
                HeartbeatLocked(group, request, clientId, clientHost, now, response);
                PersistConsumerGroup(group);
                return response;
            }
        }
        Fail(ErrorCode.CoordinatorNotAvailable, null);
        return response;
    }

    private void HeartbeatLocked(ConsumerGroup group, ConsumerGroupHeartbeatRequest request, string clientId, string clientHost, long now, ConsumerGroupHeartbeatResponse response)
    {
        ConsumerGroupMember? member;
        group.LastActivityMs = now;
        if (request.MemberEpoch < 0)
        {
            if (group.Members.Remove(request.MemberId, out member))
            {
                group.GroupEpoch++;
                _logger.LogInformation("Member {Member} left consumer group {Group}", request.MemberId, group.GroupId);
                ComputeTarget(group);
            }
            response.MemberEpoch = request.MemberEpoch;
            return;
        }
        if (request.MemberEpoch == 0)
        {
            string memberId = request.MemberId.Length > 0 ? request.MemberId : Guid.NewGuid().ToString("N");
            if (request.InstanceId is { } instance)
            {
                var holder = group.Members.Values.FirstOrDefault(m => m.InstanceId == instance && m.MemberId != memberId);
                if (holder is not null)
                {
                    response.ErrorCode = ErrorCode.UnreleasedInstanceId;
                    response.ErrorMessage = $"Static member {instance} is still held by member {holder.MemberId}.";
                    return;
                }
            }
            group.Members.Remove(memberId, out var previous);
            member = new ConsumerGroupMember(memberId) { InstanceId = request.InstanceId, Assignor = request.ServerAssignor ?? group.Assignor };
            if (previous is not null)
                member.PendingRevocation.UnionWith(previous.Assigned);
            group.Members[memberId] = member;
            group.GroupEpoch++;
            response.MemberId = memberId;
            _logger.LogInformation("Member {Member} joined consumer group {Group} (epoch {Epoch})", memberId, group.GroupId, group.GroupEpoch);
        }
        else
        {
            if (!group.Members.TryGetValue(request.MemberId, out member))
            {
                response.ErrorCode = ErrorCode.UnknownMemberId;
                return;
            }
            if (request.MemberEpoch != member.MemberEpoch && request.MemberEpoch != member.PreviousEpoch)
            {
                response.ErrorCode = ErrorCode.FencedMemberEpoch;
                response.ErrorMessage = $"The member epoch {request.MemberEpoch} is not the current one ({member.MemberEpoch}).";
                return;
            }
            if (request.MemberEpoch == member.PreviousEpoch && request.MemberEpoch != member.MemberEpoch)
                member.LastSent = (-1, -1, 0); // the response that moved it on was lost: send it again
        }

        member.ClientId = clientId;
        member.ClientHost = clientHost;
        member.LastHeartbeatMs = now;
        if (request.RackId is not null)
            member.RackId = request.RackId;
        if (request.RebalanceTimeoutMs > 0)
            member.RebalanceTimeoutMs = request.RebalanceTimeoutMs;
        if (request.ServerAssignor is { } assignor && assignor != group.Assignor)
        {
            group.Assignor = assignor;
            group.GroupEpoch++;
        }
        if (request.SubscribedTopicNames is { } topics && !topics.Order(StringComparer.Ordinal).SequenceEqual(member.SubscribedTopics.Order(StringComparer.Ordinal)))
        {
            member.SubscribedTopics = [.. topics];
            group.GroupEpoch++;
        }
        if (request.TopicPartitions is { } owned)
        {
            var reported = new HashSet<GroupPartition>();
            foreach (var topic in owned)
            {
                if (TopicCatalog!.TopicName(topic.TopicId) is { } name)
                    foreach (int p in topic.Partitions)
                        reported.Add(new GroupPartition(name, p));
            }
            member.PendingRevocation.IntersectWith(reported);
        }
        if (member.PendingRevocation.Count > 0 && member.RebalanceTimeoutMs > 0 && now - member.RevokingSinceMs > member.RebalanceTimeoutMs)
            member.PendingRevocation.Clear();

        ComputeTarget(group);
        Reconcile(group, member, now);
        response.MemberId = member.MemberId;
        response.MemberEpoch = member.MemberEpoch;
        var sent = (member.MemberEpoch, member.Assigned.Count, AssignmentHash(member.Assigned));
        if (request.MemberEpoch == 0 || sent != member.LastSent)
        {
            response.Assignment = ToAssignment(member.Assigned);
            member.LastSent = sent;
        }
    }

    /// <summary>Recomputes the target assignment; a different one (new members, subscriptions or partitions) raises
    /// the group epoch and becomes the target of that epoch.</summary>
    private void ComputeTarget(ConsumerGroup group)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in group.Members.Values)
        {
            foreach (var topic in member.SubscribedTopics)
            {
                if (!counts.ContainsKey(topic) && TopicCatalog!.TryGetTopic(topic, out _, out int partitions))
                    counts[topic] = partitions;
            }
        }
        var input = group.Members.ToDictionary(m => m.Key, m => ((IReadOnlyList<string>)m.Value.SubscribedTopics, (IReadOnlySet<GroupPartition>)m.Value.Target), StringComparer.Ordinal);
        var target = ServerAssignor.Assign(group.Assignor, input, counts);
        bool changed = group.AssignmentEpoch < group.GroupEpoch;
        foreach (var (id, partitions) in target)
            changed |= !group.Members[id].Target.SetEquals(partitions);
        if (!changed)
            return;
        if (group.AssignmentEpoch >= group.GroupEpoch)
            group.GroupEpoch++;
        foreach (var (id, partitions) in target)
            group.Members[id].Target = partitions;
        group.AssignmentEpoch = group.GroupEpoch;
    }

    private static void Reconcile(ConsumerGroup group, ConsumerGroupMember member, long now)
    {
        var revoke = member.Assigned.Where(p => !member.Target.Contains(p)).ToList();
        if (revoke.Count > 0)
        {
            foreach (var partition in revoke)
            {
                member.Assigned.Remove(partition);
                member.PendingRevocation.Add(partition);
            }
            member.RevokingSinceMs = now;
            return;
        }
        if (member.PendingRevocation.Count > 0)
            return;
        var held = new HashSet<GroupPartition>();
        foreach (var other in group.Members.Values)
        {
            if (other == member)
                continue;
            held.UnionWith(other.Assigned);
            held.UnionWith(other.PendingRevocation);
        }
        foreach (var partition in member.Target)
        {
            if (!held.Contains(partition))
                member.Assigned.Add(partition);
        }
        if (member.MemberEpoch != group.AssignmentEpoch)
        {
            member.PreviousEpoch = member.MemberEpoch;
            member.MemberEpoch = group.AssignmentEpoch;
        }
    }

    private ConsumerGroupHeartbeatResponse.MemberAssignment ToAssignment(IEnumerable<GroupPartition> partitions)
    {
        var assignment = new ConsumerGroupHeartbeatResponse.MemberAssignment();
        foreach (var topic in partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (!TopicCatalog!.TryGetTopic(topic.Key, out var id, out _))
                continue;
            assignment.TopicPartitions.Add(new ConsumerGroupHeartbeatResponse.TopicAssignment { TopicId = id, Partitions = [.. topic.Select(p => p.Partition).Order()] });
        }
        return assignment;
    }

    private static int AssignmentHash(HashSet<GroupPartition> partitions)
    {
        int hash = 0;
        foreach (var partition in partitions)
            hash ^= partition.GetHashCode();
        return hash;
    }

    /// <summary>ConsumerGroupDescribe: members with their epochs, subscriptions, current and target assignments;
    /// an unknown group (or a classic one) is GROUP_ID_NOT_FOUND.</summary>
    public ConsumerGroupDescribeResponse ConsumerGroupDescribe(ConsumerGroupDescribeRequest request)
    {
        var response = new ConsumerGroupDescribeResponse();
        foreach (string groupId in request.GroupIds)
        {
            var result = new ConsumerGroupDescribeResponse.Group { GroupId = groupId, GroupState = "Dead", AssignorName = ServerAssignor.Uniform };
            response.Groups.Add(result);
            if (CoordinatorError(groupId) is not ErrorCode.None and var notServed)
            {
                result.ErrorCode = notServed;
                continue;
            }
            if (!_consumerGroups.TryGetValue(groupId, out var group))
            {
                result.ErrorCode = ErrorCode.GroupIdNotFound;
                result.ErrorMessage = $"Group {groupId} is not a consumer group.";
                continue;
            }
            lock (group.Gate)
            {
                result.GroupState = group.State;
                result.GroupEpoch = group.GroupEpoch;
                result.AssignmentEpoch = group.AssignmentEpoch;
                result.AssignorName = group.Assignor;
                foreach (var member in group.Members.Values.OrderBy(m => m.MemberId, StringComparer.Ordinal))
                {
                    result.Members.Add(new ConsumerGroupDescribeResponse.Member
                    {
                        MemberId = member.MemberId,
                        InstanceId = member.InstanceId,
                        RackId = member.RackId,
                        MemberEpoch = member.MemberEpoch,
                        ClientId = member.ClientId,
                        ClientHost = member.ClientHost,
                        SubscribedTopicNames = [.. member.SubscribedTopics],
                        Assignment = DescribeAssignment(member.Assigned),
                        TargetAssignment = DescribeAssignment(member.Target),
                    });
                }
            }
        }
        return response;
    }

    private ConsumerGroupDescribeResponse.MemberAssignment DescribeAssignment(IEnumerable<GroupPartition> partitions)
    {
        var assignment = new ConsumerGroupDescribeResponse.MemberAssignment();
        foreach (var topic in partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            TopicCatalog!.TryGetTopic(topic.Key, out var id, out _);
            assignment.TopicPartitions.Add(new ConsumerGroupDescribeResponse.TopicAssignment { TopicId = id, TopicName = topic.Key, Partitions = [.. topic.Select(p => p.Partition).Order()] });
        }
        return assignment;
    }

    /// <summary>Removes consumer-protocol members whose session expired; an empty group without offsets is dropped.</summary>
    private void ExpireConsumerGroupMembers(long now)
    {
        foreach (var group in _consumerGroups.Values)
        {
            lock (group.Gate)
            {
                var expired = group.Members.Values.Where(m => now - m.LastHeartbeatMs > _options.GroupConsumerSessionTimeoutMs).ToList();
                foreach (var member in expired)
                {
                    group.Members.Remove(member.MemberId);
                    _logger.LogInformation("Member {Member} of consumer group {Group} sent no heartbeat for {Timeout} ms and was removed",
                        member.MemberId, group.GroupId, _options.GroupConsumerSessionTimeoutMs);
                }
                if (expired.Count > 0)
                {
                    group.GroupEpoch++;
                    ComputeTarget(group);
                    PersistConsumerGroup(group);
                }
                if (group.Members.Count == 0 && !_store.HasOffsets(group.GroupId) && now - group.LastActivityMs >= EmptyGroupGraceMs)
                {
                    group.Removed = true;
                    _consumerGroups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group));
                    PersistConsumerGroup(group);
                }
            }
        }
    }

    /// <summary>Checks an OffsetCommit for a consumer-protocol group: the member must exist and send its current
    /// epoch as the generation (STALE_MEMBER_EPOCH otherwise). Null when the group is not one.</summary>
    private ErrorCode? ValidateConsumerGroupCommit(OffsetCommitRequest request)
    {
        if (!_consumerGroups.TryGetValue(request.GroupId, out var group))
            return null;
        lock (group.Gate)
        {
            if (group.Removed)
                return null;
            bool namesMember = request.GenerationId >= 0 || request.MemberId.Length > 0;
            if (!namesMember)
                return group.Members.Count == 0 ? ErrorCode.None : ErrorCode.UnknownMemberId;
            if (!group.Members.TryGetValue(request.MemberId, out var member))
                return ErrorCode.UnknownMemberId;
            if (request.GenerationId != member.MemberEpoch)
                return ErrorCode.StaleMemberEpoch;
            member.LastHeartbeatMs = NowMs;
            return ErrorCode.None;
        }
    }

    /// <summary>The consumer-protocol groups for ListGroups, filtered like classic ones.</summary>
    private IEnumerable<ListGroupsResponse.Group> ListConsumerGroups(List<string> states, List<string> types)
    {
        if (types.Count > 0 && !types.Exists(t => string.Equals(t, ConsumerGroupType, StringComparison.OrdinalIgnoreCase)))
            yield break;
        foreach (var group in _consumerGroups.Values)
        {
            string state;
            lock (group.Gate)
            {
                if (group.Removed)
                    continue;
                state = group.State;
            }
            if (states.Count > 0 && !states.Exists(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase)))
                continue;
            yield return new ListGroupsResponse.Group { GroupId = group.GroupId, ProtocolType = "consumer", GroupState = state, GroupType = ConsumerGroupType };
        }
    }

    private bool IsConsumerGroup(string groupId) => _consumerGroups.TryGetValue(groupId, out var group) && !group.Removed;

    private static bool HasMembers(ConsumerGroup group)
    {
        lock (group.Gate)
            return !group.Removed && group.Members.Count > 0;
    }
}
