using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Client;

/// <summary>Topic and group administration: topics, partitions, configs, offsets, groups, lag and ACLs.</summary>
public sealed class KafkaAdminClient : IAsyncDisposable
{
    /// <summary>ListOffsets timestamp for the earliest offset.</summary>
    public const long Earliest = ListOffsetsRequest.EarliestTimestamp;
    /// <summary>ListOffsets timestamp for the log end offset.</summary>
    public const long Latest = ListOffsetsRequest.LatestTimestamp;

    private readonly ClusterClient _cluster;

    public KafkaAdminClient(ClientOptions options, ILogger<KafkaAdminClient>? logger = null)
    {
        _cluster = new ClusterClient(options, logger);
    }

    public async Task CreateTopicsAsync(IEnumerable<NewTopic> topics, CancellationToken cancellationToken = default)
    {
        var request = new CreateTopicsRequest { TimeoutMs = _cluster.Options.RequestTimeoutMs };
        foreach (var topic in topics)
        {
            var entry = new CreateTopicsRequest.Topic { Name = topic.Name, NumPartitions = topic.NumPartitions, ReplicationFactor = topic.ReplicationFactor };
            foreach (var (name, value) in topic.Configs ?? new Dictionary<string, string>())
                entry.Configs.Add(new CreateTopicsRequest.Config { Name = name, Value = value });
            request.Topics.Add(entry);
        }
        var response = await _cluster.SendToControllerAsync<CreateTopicsRequest, CreateTopicsResponse>(request, cancellationToken);
        foreach (var result in response.Topics)
        {
            if (result.ErrorCode != ErrorCode.None)
                throw new KafkaException(result.ErrorCode, $"create topic {result.Name}: {result.ErrorCode} {result.ErrorMessage}");
        }
        _cluster.MarkMetadataStale();
    }

    public Task CreateTopicAsync(string name, int partitions, short replicationFactor = 1, CancellationToken cancellationToken = default) =>
        CreateTopicsAsync([new NewTopic(name, partitions, replicationFactor)], cancellationToken);

    public async Task DeleteTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        var request = new DeleteTopicsRequest { TopicNames = [.. topics], TimeoutMs = _cluster.Options.RequestTimeoutMs };
        var response = await _cluster.SendToControllerAsync<DeleteTopicsRequest, DeleteTopicsResponse>(request, cancellationToken);
        foreach (var result in response.Topics)
            KafkaException.ThrowIfError(result.ErrorCode, $"delete topic {result.Name}");
        _cluster.MarkMetadataStale();
    }

    /// <summary>Grows a topic to <paramref name="totalCount"/> partitions.</summary>
    public async Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken = default)
    {
        var request = new CreatePartitionsRequest { TimeoutMs = _cluster.Options.RequestTimeoutMs };
        request.Topics.Add(new CreatePartitionsRequest.Topic { Name = topic, Count = totalCount, Assignments = null });
        var response = await _cluster.SendToControllerAsync<CreatePartitionsRequest, CreatePartitionsResponse>(request, cancellationToken);
        foreach (var result in response.Results)
        {
            if (result.ErrorCode != ErrorCode.None)
                throw new KafkaException(result.ErrorCode, $"create partitions for {result.Name}: {result.ErrorCode} {result.ErrorMessage}");
        }
        _cluster.MarkMetadataStale();
    }

    /// <summary>Metadata of the named topics, or of every topic when <paramref name="topics"/> is null.</summary>
    public async Task<ClusterMetadata> DescribeTopicsAsync(IEnumerable<string>? topics = null, CancellationToken cancellationToken = default)
    {
        if (topics is null)
            return await _cluster.DescribeClusterAsync(cancellationToken);
        var request = new MetadataRequest { Topics = ClusterClient.MetadataTopics(topics), AllowAutoTopicCreation = false };
        var response = await _cluster.SendToAnyAsync<MetadataRequest, MetadataResponse>(request, cancellationToken);
        var brokers = response.Brokers.ToDictionary(b => b.NodeId, b => new BrokerNode(b.NodeId, b.Host, b.Port, b.Rack));
        var described = new Dictionary<string, TopicMetadata>();
        foreach (var topic in response.Topics)
        {
            var partitions = topic.Partitions.OrderBy(p => p.PartitionIndex)
                .Select(p => new PartitionMetadata(p.PartitionIndex, p.LeaderId, p.ReplicaNodes, p.IsrNodes, p.ErrorCode)).ToList();
            described[topic.Name ?? ""] = new TopicMetadata(topic.Name ?? "", topic.ErrorCode, topic.IsInternal, partitions);
        }
        return new ClusterMetadata(brokers, described, response.ControllerId, response.ClusterId);
    }

    /// <summary>Configuration of a topic (DescribeConfigs, resource type 2).</summary>
    public async Task<IReadOnlyList<ConfigEntry>> DescribeTopicConfigsAsync(string topic, CancellationToken cancellationToken = default)
    {
        var request = new DescribeConfigsRequest();
        request.Resources.Add(new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = topic, ConfigurationKeys = null });
        var response = await _cluster.SendToAnyAsync<DescribeConfigsRequest, DescribeConfigsResponse>(request, cancellationToken);
        var result = new List<ConfigEntry>();
        foreach (var resource in response.Results)
        {
            if (resource.ErrorCode != ErrorCode.None)
                throw new KafkaException(resource.ErrorCode, $"describe configs {topic}: {resource.ErrorCode} {resource.ErrorMessage}");
            foreach (var config in resource.Configs)
                result.Add(new ConfigEntry(config.Name, config.Value, config.IsDefault || config.ConfigSource == 5, config.IsSensitive));
        }
        return result;
    }

    /// <summary>Offsets at <paramref name="timestamp"/> (<see cref="Earliest"/>, <see cref="Latest"/>, or a time in ms:
    /// the first offset whose timestamp is at or after it).</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, long>> ListOffsetsAsync(IEnumerable<TopicPartition> partitions, long timestamp,
        CancellationToken cancellationToken = default)
    {
        var list = partitions.ToList();
        _cluster.Track(list.Select(p => p.Topic).Distinct());
        await _cluster.RefreshMetadataAsync(null, false, cancellationToken);
        return await OffsetLookup.ListOffsetsAsync(_cluster, list, timestamp, cancellationToken);
    }

    public async Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.DescribeClusterAsync(cancellationToken);
        var result = new List<GroupListing>();
        foreach (int node in metadata.Brokers.Keys)
        {
            var response = await _cluster.SendAsync<ListGroupsRequest, ListGroupsResponse>(node, new ListGroupsRequest(), cancellationToken);
            KafkaException.ThrowIfError(response.ErrorCode, $"ListGroups on broker {node}");
            foreach (var group in response.Groups)
                result.Add(new GroupListing(group.GroupId, group.ProtocolType));
        }
        return result;
    }

    public async Task<GroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        int coordinator = await _cluster.FindCoordinatorAsync(groupId, cancellationToken);
        var response = await _cluster.SendToCoordinatorAsync<DescribeGroupsRequest, DescribeGroupsResponse>(coordinator,
            new DescribeGroupsRequest { Groups = [groupId] }, cancellationToken);
        var group = response.Groups.Single();
        KafkaException.ThrowIfError(group.ErrorCode, $"DescribeGroups {groupId}");
        return ToDescription(group);
    }

    /// <summary>Several groups at once: one DescribeGroups request per coordinator. A group the coordinator does
    /// not know is reported in state Dead, as Kafka does.</summary>
    public async Task<IReadOnlyList<GroupDescription>> DescribeGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken = default)
    {
        var byCoordinator = new Dictionary<int, List<string>>();
        foreach (string groupId in groupIds.Distinct(StringComparer.Ordinal))
        {
            int coordinator = await _cluster.FindCoordinatorAsync(groupId, cancellationToken);
            if (!byCoordinator.TryGetValue(coordinator, out var list))
                byCoordinator[coordinator] = list = [];
            list.Add(groupId);
        }
        var result = new List<GroupDescription>();
        foreach (var (coordinator, ids) in byCoordinator)
        {
            var response = await _cluster.SendToCoordinatorAsync<DescribeGroupsRequest, DescribeGroupsResponse>(coordinator,
                new DescribeGroupsRequest { Groups = ids }, cancellationToken);
            foreach (var group in response.Groups)
            {
                KafkaException.ThrowIfError(group.ErrorCode, $"DescribeGroups {group.GroupId}");
                result.Add(ToDescription(group));
            }
        }
        return result;
    }

    private static GroupDescription ToDescription(DescribeGroupsResponse.Group group)
    {
        var members = new List<GroupMemberDescription>();
        foreach (var member in group.Members)
        {
            var assigned = new List<TopicPartition>();
            if (group.ProtocolType == "consumer" && !member.MemberAssignment.IsEmpty)
            {
                try
                {
                    foreach (var entry in ConsumerProtocolAssignment.Read(member.MemberAssignment).AssignedPartitions)
                        assigned.AddRange(entry.Partitions.Select(p => new TopicPartition(entry.Topic, p)));
                }
                catch (MalformedMessageException)
                {
                    // A custom assignor's bytes under the "consumer" type: the member is listed without partitions.
                    assigned.Clear();
                }
            }
            members.Add(new GroupMemberDescription(member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost, assigned));
        }
        return new GroupDescription(group.GroupId, group.GroupState, group.ProtocolType, group.ProtocolData, members);
    }

    /// <summary>A group's committed offsets (all its partitions when <paramref name="partitions"/> is null).</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, long>> ListGroupOffsetsAsync(string groupId, IEnumerable<TopicPartition>? partitions = null,
        CancellationToken cancellationToken = default) =>
        await GroupOffsets.FetchAsync(_cluster, groupId, partitions?.ToList(), cancellationToken);

    /// <summary>Lag per partition for a group: every partition of <paramref name="topics"/> (or of the topics the
    /// group has committed to), end offset − committed offset.</summary>
    public async Task<IReadOnlyList<PartitionLag>> GetGroupLagAsync(string groupId, IEnumerable<string>? topics = null, CancellationToken cancellationToken = default)
    {
        var committed = await GroupOffsets.FetchAsync(_cluster, groupId, null, cancellationToken);
        var topicNames = topics?.ToList() ?? committed.Keys.Select(k => k.Topic).Distinct().ToList();
        var metadata = await DescribeTopicsAsync(topicNames, cancellationToken);
        var partitions = new List<TopicPartition>();
        foreach (var topic in metadata.Topics.Values)
        {
            if (topic.Error == ErrorCode.None)
                partitions.AddRange(topic.Partitions.Select(p => new TopicPartition(topic.Name, p.Partition)));
        }
        var starts = await ListOffsetsAsync(partitions, Earliest, cancellationToken);
        var ends = await ListOffsetsAsync(partitions, Latest, cancellationToken);
        return partitions
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .Select(p => new PartitionLag(p.Topic, p.Partition, committed.GetValueOrDefault(p, -1), ends.GetValueOrDefault(p, -1), starts.GetValueOrDefault(p, 0)))
            .ToList();
    }

    /// <summary>Adds ACLs (CreateAcls); throws on the first one the broker refused.</summary>
    public async Task CreateAclsAsync(IEnumerable<AclBinding> acls, CancellationToken cancellationToken = default)
    {
        var list = acls.ToList();
        var request = new CreateAclsRequest();
        foreach (var acl in list)
        {
            request.Creations.Add(new CreateAclsRequest.Creation
            {
                ResourceType = (sbyte)acl.ResourceType,
                ResourceName = acl.ResourceName,
                ResourcePatternType = (sbyte)acl.PatternType,
                Principal = acl.Principal,
                Host = acl.Host,
                Operation = (sbyte)acl.Operation,
                PermissionType = (sbyte)acl.Permission,
            });
        }
        var response = await _cluster.SendToAnyAsync<CreateAclsRequest, CreateAclsResponse>(request, cancellationToken);
        for (int i = 0; i < response.Results.Count; i++)
        {
            var result = response.Results[i];
            if (result.ErrorCode != ErrorCode.None)
                throw new KafkaException(result.ErrorCode, $"create ACL {(i < list.Count ? list[i] : null)}: {result.ErrorCode} {result.ErrorMessage}");
        }
    }

    /// <summary>The ACLs matching <paramref name="filter"/> (DescribeAcls).</summary>
    public async Task<IReadOnlyList<AclBinding>> DescribeAclsAsync(AclBindingFilter filter, CancellationToken cancellationToken = default)
    {
        var request = new DescribeAclsRequest
        {
            ResourceTypeFilter = (sbyte)filter.ResourceType,
            ResourceNameFilter = filter.ResourceName,
            PatternTypeFilter = (sbyte)filter.PatternType,
            PrincipalFilter = filter.Principal,
            HostFilter = filter.Host,
            Operation = (sbyte)filter.Operation,
            PermissionType = (sbyte)filter.Permission,
        };
        var response = await _cluster.SendToAnyAsync<DescribeAclsRequest, DescribeAclsResponse>(request, cancellationToken);
        if (response.ErrorCode != ErrorCode.None)
            throw new KafkaException(response.ErrorCode, $"describe ACLs: {response.ErrorCode} {response.ErrorMessage}");
        var acls = new List<AclBinding>();
        foreach (var resource in response.Resources)
            foreach (var acl in resource.Acls)
                acls.Add(new AclBinding((AclResourceType)resource.ResourceType, resource.ResourceName, (AclPatternType)resource.PatternType,
                    acl.Principal, acl.Host, (AclOperation)acl.Operation, (AclPermissionType)acl.PermissionType));
        return acls;
    }

    /// <summary>Removes the ACLs matching any of the filters (DeleteAcls) and returns them.</summary>
    public async Task<IReadOnlyList<AclBinding>> DeleteAclsAsync(IEnumerable<AclBindingFilter> filters, CancellationToken cancellationToken = default)
    {
        var request = new DeleteAclsRequest();
        foreach (var filter in filters)
        {
            request.Filters.Add(new DeleteAclsRequest.Filter
            {
                ResourceTypeFilter = (sbyte)filter.ResourceType,
                ResourceNameFilter = filter.ResourceName,
                PatternTypeFilter = (sbyte)filter.PatternType,
                PrincipalFilter = filter.Principal,
                HostFilter = filter.Host,
                Operation = (sbyte)filter.Operation,
                PermissionType = (sbyte)filter.Permission,
            });
        }
        var response = await _cluster.SendToAnyAsync<DeleteAclsRequest, DeleteAclsResponse>(request, cancellationToken);
        var deleted = new List<AclBinding>();
        foreach (var result in response.FilterResults)
        {
            if (result.ErrorCode != ErrorCode.None)
                throw new KafkaException(result.ErrorCode, $"delete ACLs: {result.ErrorCode} {result.ErrorMessage}");
            foreach (var acl in result.MatchingAcls)
                deleted.Add(new AclBinding((AclResourceType)acl.ResourceType, acl.ResourceName, (AclPatternType)acl.PatternType,
                    acl.Principal, acl.Host, (AclOperation)acl.Operation, (AclPermissionType)acl.PermissionType));
        }
        return deleted;
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
