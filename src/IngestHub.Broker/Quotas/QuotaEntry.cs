namespace IngestHub.Broker.Quotas;

/// <summary>
/// One quota entity as Kafka names them: a user, a client id, or a user together with a client id. Either part may
/// be <c>&lt;default&gt;</c> (any user, any client id without a quota of its own); a part left unset is not part of
/// the entity (<c>ClientId: app</c> alone is Kafka's <c>/clients/app</c>). Rates are bytes per second.
/// </summary>
public sealed class QuotaEntry
{
    public const string Default = "<default>";

    /// <summary>The user (principal name without <c>User:</c>; ANONYMOUS on listeners without authentication).</summary>
    public string? User { get; set; }
    /// <summary>The client id of the request header.</summary>
    public string? ClientId { get; set; }
    /// <summary>producer_byte_rate: Produce request bytes per second.</summary>
    public long? ProducerByteRate { get; set; }
    /// <summary>consumer_byte_rate: Fetch response bytes per second.</summary>
    public long? ConsumerByteRate { get; set; }

    public override string ToString() =>
        (User is null ? "" : $"user={User}") + (User is not null && ClientId is not null ? "," : "") + (ClientId is null ? "" : $"client-id={ClientId}");
}
