namespace IngestHub.Broker.Groups;

/// <summary>A consumer-protocol (KIP-848) group: its members, the group epoch (raised by every change of membership,
/// subscriptions or subscribed topics' partitions) and the epoch of the target assignment computed for it.</summary>
internal sealed class ConsumerGroup(string groupId)
{
    public Lock Gate { get; } = new();
    public string GroupId { get; } = groupId;
    public int GroupEpoch { get; set; }
    public int AssignmentEpoch { get; set; }
    public string Assignor { get; set; } = ServerAssignor.Uniform;
    public Dictionary<string, ConsumerGroupMember> Members { get; } = new(StringComparer.Ordinal);
    /// <summary>Set once the group is removed (empty and without offsets, or deleted); a heartbeat then starts anew.</summary>
    public bool Removed { get; set; }
    /// <summary>The value last written to <c>__consumer_offsets</c> under each of the group's record keys.</summary>
    public Dictionary<OffsetsTopic.ConsumerGroupRecordKey, byte[]> Written { get; } = [];
    /// <summary>The last heartbeat or change; an empty group without offsets is dropped a while after it.</summary>
    public long LastActivityMs { get; set; }

    /// <summary>Kafka's consumer group states: Empty, Assigning (target not yet computed for the epoch), Reconciling
    /// (members moving to the target), Stable.</summary>
    public string State
    {
        get
        {
            if (Members.Count == 0)
                return "Empty";
            if (AssignmentEpoch < GroupEpoch)
                return "Assigning";
            foreach (var member in Members.Values)
            {
                if (member.MemberEpoch != AssignmentEpoch || member.PendingRevocation.Count > 0 || !member.Assigned.SetEquals(member.Target))
                    return "Reconciling";
            }
            return "Stable";
        }
    }
}
