using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: the rebalance state machine.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Handles a JoinGroup. Completes at once for errors, MEMBER_ID_REQUIRED and rejoins that change nothing;
    /// otherwise when the rebalance completes (all known members rejoined, or the rebalance timeout elapsed).
    /// </summary>
    public async Task<JoinGroupResponse> JoinGroupAsync(JoinGroupRequest request, short version, string clientId, string clientHost, CancellationToken cancellationToken)
    {
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
            return JoinError(notServed, request.MemberId);
        if (request.GroupId.Length == 0)
            return JoinError(ErrorCode.InvalidGroupId, request.MemberId);
        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup) && HasMembers(consumerGroup))
            return JoinError(ErrorCode.InconsistentGroupProtocol, request.MemberId);
        if (request.SessionTimeoutMs < _options.GroupMinSessionTimeoutMs || request.SessionTimeoutMs > _options.GroupMaxSessionTimeoutMs)
            return JoinError(ErrorCode.InvalidSessionTimeout, request.MemberId);
        var protocols = new List<KeyValuePair<string, byte[]>>(request.Protocols.Count);
        foreach (var protocol in request.Protocols)
            protocols.Add(new(protocol.Name, protocol.Metadata.ToArray()));
        var join = new JoinArguments(request.MemberId, request.GroupInstanceId, clientId, clientHost, request.SessionTimeoutMs,
            version >= 1 && request.RebalanceTimeoutMs > 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs,
            request.ProtocolType, protocols, RequireKnownMemberId: version >= 4);

        // A group removed as Dead between lookup and lock is replaced by a fresh one on the next attempt.
        for (int attempt = 0; ; attempt++)
        {
            GroupMetadata? group;
            if (join.MemberId.Length == 0)
                group = _groups.GetOrAdd(request.GroupId, static (id, now) => new GroupMetadata(id, now), NowMs);
            else if (!_groups.TryGetValue(request.GroupId, out group))
                return JoinError(ErrorCode.UnknownMemberId, join.MemberId);
            Task<JoinGroupResponse> pending;
            lock (group.Gate)
            {
                if (group.State == GroupState.Dead)
                {
                    if (join.MemberId.Length == 0 && attempt < 3)
                        continue;
                    return JoinError(ErrorCode.CoordinatorNotAvailable, join.MemberId);
                }
                pending = Join(group, join, NowMs);
            }
            return await pending.WaitAsync(cancellationToken);
        }
    }

    private readonly record struct JoinArguments(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
        int SessionTimeoutMs, int RebalanceTimeoutMs, string ProtocolType, List<KeyValuePair<string, byte[]>> Protocols, bool RequireKnownMemberId);

    private Task<JoinGroupResponse> Join(GroupMetadata group, JoinArguments join, long now)
    {
        var existing = join.MemberId.Length > 0 ? group.Find(join.MemberId) : null;
        if (join.GroupInstanceId is not null && existing is null && join.MemberId.Length == 0
            && group.StaticMembers.TryGetValue(join.GroupInstanceId, out string? staticId))
            existing = group.Find(staticId);
        if (!group.SupportsProtocols(join.ProtocolType, join.Protocols, existing))
            return Task.FromResult(JoinError(ErrorCode.InconsistentGroupProtocol, join.MemberId));

        if (join.MemberId.Length == 0)
        {
            if (existing is not null)
                return ReplaceStaticMember(group, existing, join, now);
            string memberId = (join.GroupInstanceId ?? join.ClientId) + "-" + Guid.NewGuid().ToString();
            if (join.GroupInstanceId is null && join.RequireKnownMemberId)
            {
                // The member must come back with this id; until it does (or its session runs out) the group
                // waits for it in any rebalance.
                group.PendingMembers[memberId] = now + join.SessionTimeoutMs;
                return Task.FromResult(JoinError(ErrorCode.MemberIdRequired, memberId));
            }
            return AddMemberAndRebalance(group, memberId, join, now);
        }

        if (group.PendingMembers.Remove(join.MemberId))
            return AddMemberAndRebalance(group, join.MemberId, join, now);
        if (join.GroupInstanceId is not null && group.StaticMembers.TryGetValue(join.GroupInstanceId, out string? mapped) && mapped != join.MemberId)
            return Task.FromResult(JoinError(ErrorCode.FencedInstanceId, join.MemberId));
        if (existing is null)
            return Task.FromResult(JoinError(ErrorCode.UnknownMemberId, join.MemberId));

        existing.ClientId = join.ClientId;
        existing.ClientHost = join.ClientHost;
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(group, existing, join, now);
            case GroupState.CompletingRebalance:
                if (existing.Matches(join.Protocols))
                    return Task.FromResult(CurrentGeneration(group, existing, includeMembers: existing.MemberId == group.LeaderId));
                return UpdateMemberAndRebalance(group, existing, join, now);
            default:
                if (existing.MemberId == group.LeaderId || !existing.Matches(join.Protocols))
                    return UpdateMemberAndRebalance(group, existing, join, now);
                existing.LastHeartbeatMs = now;
                return Task.FromResult(CurrentGeneration(group, existing, includeMembers: false));
        }
    }

    private Task<JoinGroupResponse> AddMemberAndRebalance(GroupMetadata group, string memberId, JoinArguments join, long now)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost)
        {
            SessionTimeoutMs = join.SessionTimeoutMs,
            RebalanceTimeoutMs = join.RebalanceTimeoutMs,
            Protocols = join.Protocols,
            LastHeartbeatMs = now,
            JoinWaiter = NewJoinWaiter(),
        };
        if (group.Members.Count == 0)
            group.ProtocolType = join.ProtocolType;
        group.Members.Add(member);
        group.LeaderId ??= memberId;
        if (join.GroupInstanceId is not null)
            group.StaticMembers[join.GroupInstanceId] = memberId;
        group.NewMemberAdded = true;
        var task = member.JoinWaiter.Task;
        MaybePrepareRebalance(group, now);
        TryCompleteJoin(group, now);
        return task;
    }

    private Task<JoinGroupResponse> UpdateMemberAndRebalance(GroupMetadata group, GroupMember member, JoinArguments join, long now)
    {
        member.Protocols = join.Protocols;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.LastHeartbeatMs = now;
        // A second join from the same member replaces the first; the first one's client has moved on.
        member.JoinWaiter?.TrySetResult(JoinError(ErrorCode.RebalanceInProgress, member.MemberId));
        member.JoinWaiter = NewJoinWaiter();
        var task = member.JoinWaiter.Task;
        MaybePrepareRebalance(group, now);
        TryCompleteJoin(group, now);
        return task;
    }

    /// <summary>A known static instance joins with a new member id: the old id is fenced. Nothing else changes
    /// when the group is Stable and the metadata is the same, so there is no rebalance.</summary>
    private Task<JoinGroupResponse> ReplaceStaticMember(GroupMetadata group, GroupMember member, JoinArguments join, long now)
    {
        string oldId = member.MemberId;
        string newId = join.GroupInstanceId + "-" + Guid.NewGuid().ToString();
        member.JoinWaiter?.TrySetResult(JoinError(ErrorCode.FencedInstanceId, oldId));
        member.SyncWaiter?.TrySetResult(SyncError(ErrorCode.FencedInstanceId));
        member.JoinWaiter = null;
        member.SyncWaiter = null;
        member.MemberId = newId;
        member.ClientId = join.ClientId;
        member.ClientHost = join.ClientHost;
        group.StaticMembers[join.GroupInstanceId!] = newId;
        if (group.LeaderId == oldId)
            group.LeaderId = newId;
        if (group.State == GroupState.Stable && member.Matches(join.Protocols))
        {
            member.SessionTimeoutMs = join.SessionTimeoutMs;
            member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
            member.LastHeartbeatMs = now;
            return Task.FromResult(CurrentGeneration(group, member, includeMembers: false));
        }
        return UpdateMemberAndRebalance(group, member, join, now);
    }

    private void MaybePrepareRebalance(GroupMetadata group, long now)
    {
        if (group.State is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty)
            PrepareRebalance(group, now);
    }

    private void PrepareRebalance(GroupMetadata group, long now)
    {
        if (group.State == GroupState.CompletingRebalance)
        {
            // The generation being synced is abandoned: nobody may receive its assignment any more.
            foreach (var member in group.Members)
            {
                member.Assignment = [];
                member.SyncWaiter?.TrySetResult(SyncError(ErrorCode.RebalanceInProgress));
                member.SyncWaiter = null;
            }
        }
        int rebalanceTimeout = group.RebalanceTimeoutMs();
        group.InitialDelayDeadlineMs = -1;
        int initialDelay = _options.GroupInitialRebalanceDelayMs;
        bool expecting = _expectedMembers.ContainsKey(group.GroupId);
        if (group.State == GroupState.Empty && (initialDelay > 0 || expecting))
        {
            // A new group waits for more members (each arrival extends the wait, up to the rebalance timeout). A group
            // expecting its members waits for them even when the initial delay is off (bounded, see ExpectMembers).
            int wait = initialDelay > 0 ? initialDelay : ExpectedMembersMaxWaitMs;
            group.InitialDelayDeadlineMs = now + Math.Min(wait, rebalanceTimeout);
            group.InitialDelayRemainingMs = Math.Max(rebalanceTimeout - wait, 0);
            group.NewMemberAdded = false;
        }
        group.RebalanceDeadlineMs = now + rebalanceTimeout;
        Transition(group, GroupState.PreparingRebalance, now);
        _logger.LogDebug("Group {Group} preparing rebalance (generation {Generation})", group.GroupId, group.GenerationId);
    }

    private void TryCompleteJoin(GroupMetadata group, long now)
    {
        if (group.State != GroupState.PreparingRebalance)
            return;
        if (group.InitialDelayDeadlineMs >= 0)
        {
            if (ExpectedMembersJoined(group))
                CompleteJoin(group, now);
            return;
        }
        if (group.AllMembersJoined() || now >= group.RebalanceDeadlineMs)
            CompleteJoin(group, now);
    }

    private void CompleteJoin(GroupMetadata group, long now)
    {
        group.InitialDelayDeadlineMs = -1;
        // Dynamic members that did not rejoin in time are out; static ones keep their place until their session ends.
        for (int i = group.Members.Count - 1; i >= 0; i--)
        {
            var member = group.Members[i];
            if (!member.IsAwaitingJoin && member.GroupInstanceId is null)
                RemoveMember(group, member, now, rebalance: false);
        }
        group.PendingMembers.Clear();
        if (group.Members.Count == 0)
        {
            group.GenerationId++;
            group.ProtocolName = null;
            group.LeaderId = null;
            Transition(group, GroupState.Empty, now);
            return;
        }
        var leader = group.LeaderId is null ? null : group.Find(group.LeaderId);
        if (leader is null || !leader.IsAwaitingJoin)
        {
            leader = group.Members.Find(m => m.IsAwaitingJoin);
            if (leader is null)
            {
                // Only static members that have not rejoined: wait another round for them or their expiry.
                group.RebalanceDeadlineMs = now + group.RebalanceTimeoutMs();
                return;
            }
            group.LeaderId = leader.MemberId;
        }
        group.GenerationId++;
        group.ProtocolName = group.SelectProtocol();
        Transition(group, GroupState.CompletingRebalance, now);
        foreach (var member in group.Members)
        {
            member.Assignment = [];
            member.LastHeartbeatMs = now;
            var waiter = member.JoinWaiter;
            member.JoinWaiter = null;
            waiter?.TrySetResult(CurrentGeneration(group, member, includeMembers: member == leader));
        }
        _logger.LogInformation("Group {Group} generation {Generation}: {Members} members, protocol {Protocol}, leader {Leader}",
            group.GroupId, group.GenerationId, group.Members.Count, group.ProtocolName, group.LeaderId);
    }

    private static JoinGroupResponse CurrentGeneration(GroupMetadata group, GroupMember member, bool includeMembers)
    {
        var response = new JoinGroupResponse
        {
            ErrorCode = ErrorCode.None,
            GenerationId = group.GenerationId,
            ProtocolType = group.ProtocolType,
            ProtocolName = group.ProtocolName ?? "",
            Leader = group.LeaderId ?? "",
            MemberId = member.MemberId,
        };
        if (includeMembers)
        {
            foreach (var other in group.Members)
            {
                response.Members.Add(new JoinGroupResponse.Member
                {
                    MemberId = other.MemberId,
                    GroupInstanceId = other.GroupInstanceId,
                    Metadata = other.MetadataFor(group.ProtocolName!) ?? [],
                });
            }
        }
        return response;
    }

    /// <summary>Removes a member, fails anything it waits on and, when asked, moves the group on.</summary>
    private void RemoveMember(GroupMetadata group, GroupMember member, long now, bool rebalance)
    {
        group.Members.Remove(member);
        if (member.GroupInstanceId is not null && group.StaticMembers.TryGetValue(member.GroupInstanceId, out string? id) && id == member.MemberId)
            group.StaticMembers.Remove(member.GroupInstanceId);
        if (group.LeaderId == member.MemberId)
            group.LeaderId = group.Members.Count > 0 ? group.Members[0].MemberId : null;
        member.JoinWaiter?.TrySetResult(JoinError(ErrorCode.UnknownMemberId, member.MemberId));
        member.SyncWaiter?.TrySetResult(SyncError(ErrorCode.UnknownMemberId));
        member.JoinWaiter = null;
        member.SyncWaiter = null;
        if (!rebalance)
            return;
        if (group.State is GroupState.Stable or GroupState.CompletingRebalance)
            PrepareRebalance(group, now);
        TryCompleteJoin(group, now);
    }

    private void ExpireDeadlines(GroupMetadata group, long now)
    {
        if (group.State == GroupState.Dead)
            return;
        if (group.PendingMembers.Count > 0)
        {
            List<string>? expired = null;
            foreach (var (id, deadline) in group.PendingMembers)
            {
                if (now >= deadline)
                    (expired ??= []).Add(id);
            }
            if (expired is not null)
            {
                foreach (string id in expired)
                    group.PendingMembers.Remove(id);
                TryCompleteJoin(group, now);
            }
        }
        // A member waiting in JoinGroup or SyncGroup is alive; otherwise it must heartbeat within its session.
        for (int i = group.Members.Count - 1; i >= 0 && i < group.Members.Count; i--)
        {
            var member = group.Members[i];
            if (member.IsAwaitingJoin || member.SyncWaiter is not null || now - member.LastHeartbeatMs < member.SessionTimeoutMs)
                continue;
            _logger.LogInformation("Member {Member} of group {Group} timed out after {Session} ms without a heartbeat",
                member.MemberId, group.GroupId, member.SessionTimeoutMs);
            RemoveMember(group, member, now, rebalance: true);
        }
        if (group.State == GroupState.PreparingRebalance && group.InitialDelayDeadlineMs >= 0 && now >= group.InitialDelayDeadlineMs)
        {
            int initialDelay = _options.GroupInitialRebalanceDelayMs;
            long extend = 0;
            if (group.NewMemberAdded && group.InitialDelayRemainingMs > 0)
            {
                extend = Math.Min(initialDelay, group.InitialDelayRemainingMs);
                group.InitialDelayRemainingMs = Math.Max(group.InitialDelayRemainingMs - initialDelay, 0);
            }
            else
            {
                extend = Math.Min(initialDelay, ExpectedMembersWaitLeftMs(group, now));
            }
            group.NewMemberAdded = false;
            if (extend > 0)
                group.InitialDelayDeadlineMs = now + extend;
            else
                CompleteJoin(group, now);
        }
        TryCompleteJoin(group, now);
    }

    /// <summary>Handles a SyncGroup: the leader's call stores the generation's assignment and releases every
    /// waiting member with its own share; a follower waits for that unless the group is already Stable.</summary>
    public async Task<SyncGroupResponse> SyncGroupAsync(SyncGroupRequest request, CancellationToken cancellationToken)
    {
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
            return SyncError(notServed);
        if (!_groups.TryGetValue(request.GroupId, out var group))
            return SyncError(ErrorCode.UnknownMemberId);
        Task<SyncGroupResponse> pending;
        lock (group.Gate)
            pending = Sync(group, request, NowMs);
        return await pending.WaitAsync(cancellationToken);
    }

    private Task<SyncGroupResponse> Sync(GroupMetadata group, SyncGroupRequest request, long now)
    {
        if (group.State == GroupState.Dead)
            return Task.FromResult(SyncError(ErrorCode.CoordinatorNotAvailable));
        var error = ValidateMember(group, request.MemberId, request.GroupInstanceId, out var member);
        if (error != ErrorCode.None)
            return Task.FromResult(SyncError(error));
        if (request.GenerationId != group.GenerationId)
            return Task.FromResult(SyncError(ErrorCode.IllegalGeneration));
        // v5+ names the protocol the member joined with; it must be the group's.
        if ((request.ProtocolType is not null && request.ProtocolType != group.ProtocolType)
            || (request.ProtocolName is not null && group.ProtocolName is not null && request.ProtocolName != group.ProtocolName))
            return Task.FromResult(SyncError(ErrorCode.InconsistentGroupProtocol));
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return Task.FromResult(SyncError(ErrorCode.RebalanceInProgress));
            case GroupState.Stable:
                member!.LastHeartbeatMs = now;
                return Task.FromResult(Synced(group, member.Assignment));
            case GroupState.CompletingRebalance:
                break;
            default:
                return Task.FromResult(SyncError(ErrorCode.UnknownMemberId));
        }
        member!.LastHeartbeatMs = now;
        member.SyncWaiter?.TrySetResult(SyncError(ErrorCode.RebalanceInProgress));
        var waiter = new TaskCompletionSource<SyncGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        member.SyncWaiter = waiter;
        if (member.MemberId == group.LeaderId)
        {
            foreach (var other in group.Members)
            {
                other.Assignment = [];
                foreach (var assignment in request.Assignments)
                {
                    if (assignment.MemberId == other.MemberId)
                        other.Assignment = assignment.Bytes.ToArray();
                }
            }
            Transition(group, GroupState.Stable, now);
            foreach (var other in group.Members)
            {
                other.SyncWaiter?.TrySetResult(Synced(group, other.Assignment));
                other.SyncWaiter = null;
                other.LastHeartbeatMs = now;
            }
        }
        return waiter.Task;
    }

    public HeartbeatResponse Heartbeat(HeartbeatRequest request)
    {
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
            return new HeartbeatResponse { ErrorCode = notServed };
        if (!_groups.TryGetValue(request.GroupId, out var group))
            return new HeartbeatResponse { ErrorCode = ErrorCode.UnknownMemberId };
        lock (group.Gate)
        {
            long now = NowMs;
            return new HeartbeatResponse { ErrorCode = HeartbeatLocked(group, request, now) };
        }
    }

    private static ErrorCode HeartbeatLocked(GroupMetadata group, HeartbeatRequest request, long now)
    {
        if (group.State == GroupState.Dead)
            return ErrorCode.CoordinatorNotAvailable;
        var error = ValidateMember(group, request.MemberId, request.GroupInstanceId, out var member);
        if (error != ErrorCode.None)
            return error;
        if (request.GenerationId != group.GenerationId)
            return ErrorCode.IllegalGeneration;
        member!.LastHeartbeatMs = now;
        return group.State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    public LeaveGroupResponse LeaveGroup(LeaveGroupRequest request, short version)
    {
        var leaving = version >= 3 ? request.Members : [new LeaveGroupRequest.Member { MemberId = request.MemberId }];
        var response = new LeaveGroupResponse();
        if (CoordinatorError(request.GroupId) is not ErrorCode.None and var notServed)
        {
            response.ErrorCode = notServed;
            return response;
        }
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            foreach (var member in leaving)
                response.Members.Add(new LeaveGroupResponse.Member { MemberId = member.MemberId, GroupInstanceId = member.GroupInstanceId, ErrorCode = ErrorCode.UnknownMemberId });
        }
        else
        {
            lock (group.Gate)
            {
                if (group.State == GroupState.Dead)
                {
                    response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
                    return response;
                }
                long now = NowMs;
                foreach (var leaver in leaving)
                    response.Members.Add(new LeaveGroupResponse.Member { MemberId = leaver.MemberId, GroupInstanceId = leaver.GroupInstanceId, ErrorCode = Leave(group, leaver, now) });
            }
        }
        if (version < 3)
            response.ErrorCode = response.Members[0].ErrorCode;
        return response;
    }

    private ErrorCode Leave(GroupMetadata group, LeaveGroupRequest.Member leaver, long now)
    {
        string memberId = leaver.MemberId;
        if (leaver.GroupInstanceId is not null && group.StaticMembers.TryGetValue(leaver.GroupInstanceId, out string? mapped))
        {
            if (memberId.Length > 0 && memberId != mapped)
                return ErrorCode.FencedInstanceId;
            memberId = mapped;
        }
        if (group.PendingMembers.Remove(memberId))
        {
            TryCompleteJoin(group, now);
            return ErrorCode.None;
        }
        var member = group.Find(memberId);
        if (member is null)
            return ErrorCode.UnknownMemberId;
        _logger.LogDebug("Member {Member} left group {Group}", memberId, group.GroupId);
        RemoveMember(group, member, now, rebalance: true);
        return ErrorCode.None;
    }

    /// <summary>The checks every member request shares: a fenced static instance, then an unknown member id.</summary>
    private static ErrorCode ValidateMember(GroupMetadata group, string memberId, string? groupInstanceId, out GroupMember? member)
    {
        member = null;
        if (groupInstanceId is not null && group.StaticMembers.TryGetValue(groupInstanceId, out string? mapped) && mapped != memberId)
            return ErrorCode.FencedInstanceId;
        member = group.Find(memberId);
        return member is null ? ErrorCode.UnknownMemberId : ErrorCode.None;
    }

    /// <summary>Moves the group to <paramref name="state"/>. As Kafka's coordinator does, the group's metadata record
    /// is written when a generation's assignment is complete (Stable), when the group empties, and as a tombstone
    /// when it is gone (Dead).</summary>
    private void Transition(GroupMetadata group, GroupState state, long now)
    {
        var previous = group.State;
        group.State = state;
        group.StateSinceMs = now;
        if (state == GroupState.Stable || (state == GroupState.Empty && previous != GroupState.Empty))
            StoreGroupMetadata(group.GroupId, DescribeForStore(group, now));
        else if (state == GroupState.Dead && previous != GroupState.Dead)
            StoreGroupMetadata(group.GroupId, null);
    }

    private static OffsetsTopic.GroupMetadataValue DescribeForStore(GroupMetadata group, long now)
    {
        var members = new List<OffsetsTopic.GroupMetadataMember>(group.Members.Count);
        foreach (var member in group.Members)
        {
            members.Add(new OffsetsTopic.GroupMetadataMember(member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost,
                member.RebalanceTimeoutMs, member.SessionTimeoutMs,
                (group.ProtocolName is null ? null : member.MetadataFor(group.ProtocolName)) ?? [], member.Assignment));
        }
        return new OffsetsTopic.GroupMetadataValue(group.ProtocolType ?? "", group.GenerationId, group.ProtocolName, group.LeaderId, now, members);
    }

    /// <summary>Membership is re-established by clients after a failure, so a record that cannot be written is
    /// logged, not failed to the caller.</summary>
    private void StoreGroupMetadata(string groupId, OffsetsTopic.GroupMetadataValue? value)
    {
        try
        {
            _store.WriteGroupMetadata(groupId, value);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogWarning(e, "Could not write the metadata record of group {Group} to {Topic}", groupId, Metadata.TopicName.ConsumerOffsets);
        }
    }

    private static TaskCompletionSource<JoinGroupResponse> NewJoinWaiter() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static JoinGroupResponse JoinError(ErrorCode error, string memberId) =>
        new() { ErrorCode = error, GenerationId = -1, MemberId = memberId };

    private static SyncGroupResponse SyncError(ErrorCode error) => new() { ErrorCode = error };

    private static SyncGroupResponse Synced(GroupMetadata group, ReadOnlyMemory<byte> assignment) => new()
    {
        ErrorCode = ErrorCode.None,
        ProtocolType = group.ProtocolType,
        ProtocolName = group.ProtocolName,
        Assignment = assignment,
    };
}
