using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Groups;

/// <summary>One member of a group, guarded by its group's lock.</summary>
internal sealed class GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost)
{
    public string MemberId { get; set; } = memberId;
    public string? GroupInstanceId { get; } = groupInstanceId;
    public string ClientId { get; set; } = clientId;
    public string ClientHost { get; set; } = clientHost;
    public int SessionTimeoutMs { get; set; }
    public int RebalanceTimeoutMs { get; set; }
    /// <summary>Supported assignors in the member's order of preference, with its metadata for each (copied).</summary>
    public List<KeyValuePair<string, byte[]>> Protocols { get; set; } = [];
    /// <summary>What the leader assigned this member in the current generation.</summary>
    public byte[] Assignment { get; set; } = [];
    public long LastHeartbeatMs { get; set; }
    /// <summary>Set while a JoinGroup waits for the rebalance to complete.</summary>
    public TaskCompletionSource<JoinGroupResponse>? JoinWaiter { get; set; }
    /// <summary>Set while a SyncGroup waits for the leader's assignment.</summary>
    public TaskCompletionSource<SyncGroupResponse>? SyncWaiter { get; set; }

    public bool IsAwaitingJoin => JoinWaiter is not null;

    public byte[]? MetadataFor(string protocol)
    {
        foreach (var (name, metadata) in Protocols)
        {
            if (name == protocol)
                return metadata;
        }
        return null;
    }

    public bool Supports(string protocol) => MetadataFor(protocol) is not null;

    /// <summary>Same assignors in the same order with the same metadata: rejoining changes nothing.</summary>
    public bool Matches(List<KeyValuePair<string, byte[]>> protocols)
    {
        if (protocols.Count != Protocols.Count)
            return false;
        for (int i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Key != Protocols[i].Key || !protocols[i].Value.AsSpan().SequenceEqual(Protocols[i].Value))
                return false;
        }
        return true;
    }
}
