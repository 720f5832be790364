namespace IngestHub.Broker.Groups;

/// <summary>One member of a consumer-protocol group, guarded by its group's lock.</summary>
internal sealed class ConsumerGroupMember(string memberId)
{
    public string MemberId { get; } = memberId;
    public string? InstanceId { get; set; }
    public string? RackId { get; set; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    /// <summary>The epoch of the assignment the member was last given (0 before its first one).</summary>
    public int MemberEpoch { get; set; }
    /// <summary>The epoch before the last change, accepted once more in case the response that changed it was lost.</summary>
    public int PreviousEpoch { get; set; } = -1;
    public List<string> SubscribedTopics { get; set; } = [];
    public string Assignor { get; set; } = ServerAssignor.Uniform;
    public int RebalanceTimeoutMs { get; set; }
    public long LastHeartbeatMs { get; set; }
    /// <summary>The partitions the member has been given and may consume.</summary>
    public HashSet<GroupPartition> Assigned { get; } = [];
    /// <summary>Partitions taken from the member that it has not yet reported released; nobody else gets them meanwhile.</summary>
    public HashSet<GroupPartition> PendingRevocation { get; } = [];
    /// <summary>Since when revocations are pending (after the rebalance timeout they are treated as released).</summary>
    public long RevokingSinceMs { get; set; }
    /// <summary>What the group's target assignment gives the member.</summary>
    public HashSet<GroupPartition> Target { get; set; } = [];
    /// <summary>The epoch and partitions last sent, so an unchanged assignment is not sent again.</summary>
    public (int Epoch, int Count, int Hash) LastSent { get; set; } = (-1, -1, 0);
}
