using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Groups;

// ListGroups, DescribeGroups and the internal views for the dashboard and autoscaler.
public sealed partial class GroupCoordinator
{
    /// <summary>Every live group, filtered by state (v4+) and type (v5+) when the filters are not empty; both
    /// are matched without regard to case, as Kafka does.</summary>
    public ListGroupsResponse ListGroups(ListGroupsRequest? request = null)
    {
        var response = new ListGroupsResponse { ErrorCode = _stopped ? ErrorCode.CoordinatorNotAvailable : ErrorCode.None };
        if (_stopped)
            return response;
        var states = request?.StatesFilter ?? [];
        var types = request?.TypesFilter ?? [];
        foreach (var group in _groups.Values)
        {
            if (IsConsumerGroup(group.GroupId) || !Coordinates(group.GroupId))
                continue;
            lock (group.Gate)
            {
                if (group.State == GroupState.Dead)
                    continue;
                string state = group.State.ToString();
                if (states.Count > 0 && !states.Exists(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase)))
                    continue;
                if (types.Count > 0 && !types.Exists(t => string.Equals(t, ClassicGroupType, StringComparison.OrdinalIgnoreCase)))
                    continue;
                response.Groups.Add(new ListGroupsResponse.Group { GroupId = group.GroupId, ProtocolType = group.ProtocolType ?? "", GroupState = state, GroupType = ClassicGroupType });
            }
        }
        response.Groups.AddRange(ListConsumerGroups(states, types));
        return response;
    }

    /// <summary>The group type ListGroups v5 reports for JoinGroup/SyncGroup groups.</summary>
    public const string ClassicGroupType = "classic";

    /// <summary>DescribeGroups as Kafka answers it: an unknown group is reported Dead without an error; member
    /// metadata and assignments are only given while the group is Stable.</summary>
    public DescribeGroupsResponse DescribeGroups(DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        foreach (string groupId in request.Groups)
        {
            var result = new DescribeGroupsResponse.Group { GroupId = groupId, GroupState = nameof(GroupState.Dead) };
            response.Groups.Add(result);
            if (CoordinatorError(groupId) is not ErrorCode.None and var notServed)
            {
                result.ErrorCode = notServed;
                continue;
            }
            if (!_groups.TryGetValue(groupId, out var group))
                continue;
            lock (group.Gate)
            {
                bool stable = group.State == GroupState.Stable;
                result.GroupState = group.State.ToString();
                result.ProtocolType = group.ProtocolType ?? "";
                result.ProtocolData = stable ? group.ProtocolName ?? "" : "";
                foreach (var member in group.Members)
                {
                    result.Members.Add(new DescribeGroupsResponse.Member
                    {
                        MemberId = member.MemberId,
                        GroupInstanceId = member.GroupInstanceId,
                        ClientId = member.ClientId,
                        ClientHost = member.ClientHost,
                        MemberMetadata = stable ? member.MetadataFor(group.ProtocolName!) ?? [] : ReadOnlyMemory<byte>.Empty,
                        MemberAssignment = stable ? member.Assignment : ReadOnlyMemory<byte>.Empty,
                    });
                }
            }
        }
        return response;
    }

    /// <summary>Every live group with members and per-partition lag.</summary>
    public IReadOnlyList<GroupDescription> DescribeAll()
    {
        var result = new List<GroupDescription>();
        foreach (string groupId in _groups.Keys)
        {
            var description = Describe(groupId);
            if (description is not null)
                result.Add(description);
        }
        result.Sort((a, b) => string.CompareOrdinal(a.GroupId, b.GroupId));
        return result;
    }

    /// <summary>One group with its members, their assigned partitions (for the "consumer" protocol type) and the
    /// lag of every partition it has committed or been assigned; null when the group is unknown.</summary>
    public GroupDescription? Describe(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
            return null;
        GroupState state;
        string protocolType, protocol;
        int generation;
        var members = new List<(GroupMember Member, byte[] Assignment)>();
        lock (group.Gate)
        {
            if (group.State == GroupState.Dead)
                return null;
            state = group.State;
            protocolType = group.ProtocolType ?? "";
            protocol = group.ProtocolName ?? "";
            generation = group.GenerationId;
            foreach (var member in group.Members)
            {
                var copy = new GroupMember(member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost);
                members.Add((copy, member.Assignment));
            }
        }

        var memberViews = new List<GroupMemberDescription>(members.Count);
        var assigned = new HashSet<GroupPartition>();
        foreach (var (member, assignment) in members)
        {
            var partitions = protocolType == "consumer" ? DecodeAssignment(assignment) : [];
            foreach (var partition in partitions)
                assigned.Add(partition);
            memberViews.Add(new GroupMemberDescription(member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost, partitions));
        }

        var lags = new List<GroupPartitionLag>();
        foreach (var (partition, offset) in _store.GetAll(groupId))
        {
            assigned.Remove(partition);
            long? end = _endOffsets.LogEndOffset(partition.Topic, partition.Partition);
            lags.Add(new GroupPartitionLag(partition.Topic, partition.Partition, offset.Offset, end,
                end is { } e ? Math.Max(0, e - offset.Offset) : null,
                DateTimeOffset.FromUnixTimeMilliseconds(offset.CommitTimestampMs), offset.Metadata));
        }
        foreach (var partition in assigned)
        {
            long? end = _endOffsets.LogEndOffset(partition.Topic, partition.Partition);
            lags.Add(new GroupPartitionLag(partition.Topic, partition.Partition, -1, end, end is { } e ? Math.Max(0, e) : null, null, null));
        }
        lags.Sort((a, b) => a.Topic == b.Topic ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Topic, b.Topic));
        return new GroupDescription(groupId, state, protocolType, protocol, generation, memberViews, lags);
    }

    private static List<GroupPartition> DecodeAssignment(byte[] assignment)
    {
        var result = new List<GroupPartition>();
        if (assignment.Length == 0)
            return result;
        try
        {
            foreach (var topic in ConsumerProtocolAssignment.Read(assignment).AssignedPartitions)
            {
                foreach (int partition in topic.Partitions)
                    result.Add(new GroupPartition(topic.Topic, partition));
            }
        }
        catch (MalformedMessageException)
        {
            // A custom assignor's bytes under the "consumer" type: show the member without partitions.
        }
        return result;
    }
}
