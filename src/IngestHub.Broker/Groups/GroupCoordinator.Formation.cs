namespace IngestHub.Broker.Groups;

// Groups whose members start together inside this process (a connector's workers): their first rebalance
// completes once that many members have joined, not after group.initial.rebalance.delay.ms. Other groups, and
// outside clients, keep Kafka's behaviour.
public sealed partial class GroupCoordinator
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _expectedMembers = new(StringComparer.Ordinal);

    /// <summary>The first rebalance of <paramref name="groupId"/> completes as soon as <paramref name="members"/>
    /// members have joined (and none is still pending), without waiting out the initial rebalance delay.</summary>
    public void ExpectMembers(string groupId, int members)
    {
        _expectedMembers[groupId] = Math.Max(1, members);
        if (_groups.TryGetValue(groupId, out var group))
        {
            lock (group.Gate)
                TryCompleteJoin(group, NowMs);
        }
    }

    public void ForgetMembers(string groupId) => _expectedMembers.TryRemove(groupId, out _);

    /// <summary>How long a first rebalance still waits for expected members that have not joined yet: a busy machine
    /// may start one worker seconds after another, and a generation without it would be revoked at once when it
    /// arrives. Bounded, so a worker that never comes holds its siblings for at most this long.</summary>
    internal const int ExpectedMembersMaxWaitMs = 30_000;

    private long ExpectedMembersWaitLeftMs(GroupMetadata group, long now) =>
        _expectedMembers.ContainsKey(group.GroupId) && !ExpectedMembersJoined(group)
            ? Math.Max(0, Math.Min(group.StateSinceMs + ExpectedMembersMaxWaitMs, group.RebalanceDeadlineMs) - now)
            : 0;

    private bool ExpectedMembersJoined(GroupMetadata group) =>
        _expectedMembers.TryGetValue(group.GroupId, out int expected) && group.Members.Count >= expected && group.AllMembersJoined();
}
