namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// Lets a connector tell the group coordinator how many of its own workers are about to join its consumer group,
/// so the group's first rebalance completes as soon as they all have joined instead of waiting out
/// group.initial.rebalance.delay.ms (a wait meant for independent clients arriving one by one). Only the embedded
/// broker offers it; a connector reading another cluster joins like any outside client.
/// </summary>
public interface IGroupFormation
{
    /// <summary>The group's first rebalance may complete once <paramref name="members"/> members have joined.</summary>
    void ExpectMembers(string groupId, int members);

    /// <summary>The connector stopped: the group waits like any other from now on.</summary>
    void ForgetMembers(string groupId);
}
