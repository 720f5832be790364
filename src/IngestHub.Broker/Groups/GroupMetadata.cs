namespace IngestHub.Broker.Groups;

/// <summary>
/// The membership state of one group. Every field is read and written under <see cref="Gate"/>; the
/// transitions live in <see cref="GroupCoordinator"/>.
/// </summary>
internal sealed class GroupMetadata(string groupId, long nowMs)
{
    public Lock Gate { get; } = new();
    public string GroupId { get; } = groupId;
    public GroupState State { get; set; } = GroupState.Empty;
    /// <summary>When the group entered its current state (Empty: the start of offset retention).</summary>
    public long StateSinceMs { get; set; } = nowMs;
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    public int GenerationId { get; set; }
    public string? LeaderId { get; set; }
    /// <summary>Members in join order, so leader succession and protocol tie-breaks are deterministic.</summary>
    public List<GroupMember> Members { get; } = [];
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);
    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry.</summary>
    public Dictionary<string, long> PendingMembers { get; } = new(StringComparer.Ordinal);
    /// <summary>PreparingRebalance: when the join completes even if members are missing.</summary>
    public long RebalanceDeadlineMs { get; set; }
    /// <summary>PreparingRebalance of a new group: end of the current initial-delay window, or -1.</summary>
    public long InitialDelayDeadlineMs { get; set; } = -1;
    public long InitialDelayRemainingMs { get; set; }
    public bool NewMemberAdded { get; set; }

    public GroupMember? Find(string memberId)
    {
        foreach (var member in Members)
        {
            if (member.MemberId == memberId)
                return member;
        }
        return null;
    }

    public int RebalanceTimeoutMs()
    {
        int max = 0;
        foreach (var member in Members)
            max = Math.Max(max, member.RebalanceTimeoutMs);
        return max;
    }

    public bool AllMembersJoined()
    {
        if (PendingMembers.Count > 0)
            return false;
        foreach (var member in Members)
        {
            if (!member.IsAwaitingJoin)
                return false;
        }
        return true;
    }

    /// <summary>
    /// Whether a member with these assignors may join: the group is new (no other members), or the protocol
    /// type matches and at least one assignor is supported by every other member.
    /// </summary>
    public bool SupportsProtocols(string protocolType, List<KeyValuePair<string, byte[]>> protocols, GroupMember? self)
    {
        if (protocolType.Length == 0 || protocols.Count == 0)
            return false;
        bool anyOther = false;
        foreach (var member in Members)
            anyOther |= member != self;
        if (!anyOther)
            return true;
        if (protocolType != ProtocolType)
            return false;
        foreach (var (name, _) in protocols)
        {
            bool all = true;
            foreach (var member in Members)
            {
                if (member != self && !member.Supports(name))
                {
                    all = false;
                    break;
                }
            }
            if (all)
                return true;
        }
        return false;
    }

    /// <summary>Kafka's choice: among assignors every member supports, each member votes for the first one in
    /// its own preference order; the most votes wins, ties going to the earliest-joined voter's choice.</summary>
    public string SelectProtocol()
    {
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        foreach (var member in Members)
        {
            foreach (var (name, _) in member.Protocols)
            {
                if (!SupportedByAll(name))
                    continue;
                int count = votes.GetValueOrDefault(name) + 1;
                votes[name] = count;
                if (best is null || count > votes[best])
                    best = name;
                break;
            }
        }
        return best ?? Members[0].Protocols[0].Key;
    }

    private bool SupportedByAll(string protocol)
    {
        foreach (var member in Members)
        {
            if (!member.Supports(protocol))
                return false;
        }
        return true;
    }
}
