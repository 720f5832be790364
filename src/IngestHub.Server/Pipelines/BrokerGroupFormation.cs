using IngestHub.Broker.Groups;
using IngestHub.Pipelines.Runtime;

namespace IngestHub.Server.Pipelines;

/// <summary>Connectors reading the embedded broker tell its coordinator how many workers form their group.</summary>
public sealed class BrokerGroupFormation(GroupCoordinator coordinator) : IGroupFormation
{
    public void ExpectMembers(string groupId, int members) => coordinator.ExpectMembers(groupId, members);

    public void ForgetMembers(string groupId) => coordinator.ForgetMembers(groupId);
}
