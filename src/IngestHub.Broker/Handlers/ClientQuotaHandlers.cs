using IngestHub.Broker.Network;
using IngestHub.Broker.Quotas;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>Kafka's quota entity names (KIP-546) against <see cref="QuotaEntry"/>: a null name is the default entity.</summary>
internal static class QuotaEntities
{
    public const string User = "user";
    public const string ClientId = "client-id";
    public const string Ip = "ip";

    public const sbyte MatchExact = 0;
    public const sbyte MatchDefault = 1;
    public const sbyte MatchAny = 2;

    /// <summary>The entity of an AlterClientQuotas entry, or why it is invalid.</summary>
    public static ((string? User, string? ClientId) Entity, string? Error) Parse(IEnumerable<(string Type, string? Name)> parts)
    {
        string? user = null, clientId = null;
        bool hasUser = false, hasClient = false;
        int count = 0;
        foreach (var (type, name) in parts)
        {
            count++;
            switch (type)
            {
                case User when hasUser:
                case ClientId when hasClient:
                    return (default, $"Duplicate {type} component in the entity");
                case User:
                    (hasUser, user) = (true, name ?? QuotaEntry.Default);
                    break;
                case ClientId:
                    (hasClient, clientId) = (true, name ?? QuotaEntry.Default);
                    break;
                case Ip:
                    return (default, "ip quotas (connection_creation_rate) are not supported by this broker");
                default:
                    return (default, $"Unhandled client quota entity type: {type}");
            }
        }
        if (count == 0)
            return (default, "The entity has no components");
        return ((user, clientId), null);
    }

    public static IEnumerable<(string Type, string? Name)> Parts(QuotaEntry entry)
    {
        if (entry.User is not null)
            yield return (User, entry.User == QuotaEntry.Default ? null : entry.User);
        if (entry.ClientId is not null)
            yield return (ClientId, entry.ClientId == QuotaEntry.Default ? null : entry.ClientId);
    }
}

/// <summary>
/// DescribeClientQuotas (key 48): the byte-rate quotas in force (configured and altered) whose entity matches every
/// component of the filter (exact name, the default entity, or any entity of the type); with <c>strict</c> the entity
/// must have no other components. Needs DESCRIBE_CONFIGS on the cluster.
/// </summary>
public sealed class DescribeClientQuotasHandler(QuotaStore store) : ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>
{
    protected override ValueTask<DescribeClientQuotasResponse?> HandleAsync(RequestContext request, DescribeClientQuotasRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeClientQuotasResponse();
        if (!request.IsAllowedOnCluster(AclOperation.DescribeConfigs))
            return Error(response, ErrorCode.ClusterAuthorizationFailed, "Not authorized to describe client quotas (DESCRIBE_CONFIGS on the cluster)");
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in message.Components)
        {
            if (component.EntityType is not (QuotaEntities.User or QuotaEntities.ClientId or QuotaEntities.Ip))
                return Error(response, ErrorCode.InvalidRequest, $"Custom entity type '{component.EntityType}' not supported");
            if (!types.Add(component.EntityType))
                return Error(response, ErrorCode.InvalidRequest, $"Duplicate {component.EntityType} component in the filter");
            if (component.MatchType is not (QuotaEntities.MatchExact or QuotaEntities.MatchDefault or QuotaEntities.MatchAny))
                return Error(response, ErrorCode.InvalidRequest, $"Unexpected match type {component.MatchType}");
            if (component.MatchType == QuotaEntities.MatchExact && component.Match is null)
                return Error(response, ErrorCode.InvalidRequest, $"An exact match on {component.EntityType} needs a name");
        }
        response.Entries = [];
        foreach (var entry in store.Entries)
        {
            var parts = QuotaEntities.Parts(entry).ToDictionary(p => p.Type, p => p.Name, StringComparer.Ordinal);
            if (message.Strict && parts.Count != message.Components.Count)
                continue;
            bool matches = message.Components.All(c => parts.TryGetValue(c.EntityType, out var name) && c.MatchType switch
            {
                QuotaEntities.MatchExact => name == c.Match,
                QuotaEntities.MatchDefault => name is null,
                _ => true,
            });
            if (!matches)
                continue;
            var data = new DescribeClientQuotasResponse.EntryData();
            foreach (var (type, name) in parts)
                data.Entity.Add(new DescribeClientQuotasResponse.EntityData { EntityType = type, EntityName = name });
            if (entry.ProducerByteRate is { } producer)
                data.Values.Add(new DescribeClientQuotasResponse.ValueData { Key = QuotaStore.ProducerByteRate, Value = producer });
            if (entry.ConsumerByteRate is { } consumer)
                data.Values.Add(new DescribeClientQuotasResponse.ValueData { Key = QuotaStore.ConsumerByteRate, Value = consumer });
            response.Entries.Add(data);
        }
        return ValueTask.FromResult<DescribeClientQuotasResponse?>(response);
    }

    private static ValueTask<DescribeClientQuotasResponse?> Error(DescribeClientQuotasResponse response, ErrorCode code, string message)
    {
        (response.ErrorCode, response.ErrorMessage, response.Entries) = (code, message, null);
        return ValueTask.FromResult<DescribeClientQuotasResponse?>(response);
    }
}

/// <summary>
/// AlterClientQuotas (key 49): sets or removes producer_byte_rate and consumer_byte_rate of user, client-id and
/// user+client-id entities (a null name is the default entity). Changes are stored in <c>&lt;data&gt;/quotas.json</c>
/// and in force for the next request; <c>validate_only</c> checks without changing anything. An unknown entity type
/// or key, a repeated key or a value that is not a positive whole number is INVALID_REQUEST for that entry; needs
/// ALTER_CONFIGS on the cluster.
/// </summary>
public sealed class AlterClientQuotasHandler(QuotaStore store, ILogger<AlterClientQuotasHandler> logger) : ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>
{
    protected override ValueTask<AlterClientQuotasResponse?> HandleAsync(RequestContext request, AlterClientQuotasRequest message, CancellationToken cancellationToken)
    {
        var response = new AlterClientQuotasResponse();
        bool allowed = request.IsAllowedOnCluster(AclOperation.AlterConfigs);
        var changes = new List<((string? User, string? ClientId) Entity, IReadOnlyList<(string Key, long? Value)> Ops)>();
        var applied = new List<AlterClientQuotasResponse.EntryData>();
        foreach (var entry in message.Entries)
        {
            var result = new AlterClientQuotasResponse.EntryData();
            foreach (var part in entry.Entity)
                result.Entity.Add(new AlterClientQuotasResponse.EntityData { EntityType = part.EntityType, EntityName = part.EntityName });
            response.Entries.Add(result);
            if (!allowed)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.ClusterAuthorizationFailed, "Not authorized to alter client quotas (ALTER_CONFIGS on the cluster)");
                continue;
            }
            var (entity, invalid) = QuotaEntities.Parse(entry.Entity.Select(p => (p.EntityType, p.EntityName)));
            var ops = new List<(string Key, long? Value)>();
            if (invalid is null)
            {
                foreach (var op in entry.Ops)
                {
                    invalid = Validate(op, ops);
                    if (invalid is not null)
                        break;
                    ops.Add((op.Key, op.Remove ? null : (long)op.Value));
                }
            }
            if (invalid is not null)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, invalid);
                continue;
            }
            if (!message.ValidateOnly && ops.Count > 0)
            {
                changes.Add((entity, ops));
                applied.Add(result);
            }
        }
        if (changes.Count > 0)
        {
            try
            {
                store.Alter(changes);
                foreach (var (entity, ops) in changes)
                    logger.LogInformation("Client quota of {Entity} altered by {Principal}: {Ops}",
                        new QuotaEntry { User = entity.User, ClientId = entity.ClientId }, request.Connection.Principal,
                        string.Join(", ", ops.Select(o => o.Value is null ? $"-{o.Key}" : $"{o.Key}={o.Value}")));
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Could not store the altered client quotas");
                foreach (var result in applied)
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.UnknownServerError, "could not store the quotas: " + ex.Message);
            }
        }
        return ValueTask.FromResult<AlterClientQuotasResponse?>(response);
    }

    private static string? Validate(AlterClientQuotasRequest.OpData op, List<(string Key, long? Value)> earlier)
    {
        if (op.Key is not (QuotaStore.ProducerByteRate or QuotaStore.ConsumerByteRate))
            return op.Key is "request_percentage" or "controller_mutation_rate"
                ? $"{op.Key} quotas are not supported by this broker"
                : $"Invalid configuration key {op.Key}";
        if (earlier.Exists(e => e.Key == op.Key))
            return $"Duplicate quota key {op.Key} in the entry";
        if (op.Remove)
            return null;
        if (double.IsNaN(op.Value) || op.Value != Math.Floor(op.Value) || op.Value <= 0 || op.Value >= long.MaxValue)
            return $"Invalid value {op.Value} for {op.Key}: a positive whole number of bytes per second is expected";
        return null;
    }
}
