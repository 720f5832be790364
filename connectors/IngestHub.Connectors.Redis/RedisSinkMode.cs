namespace IngestHub.Connectors.Redis;

/// <summary>How the Redis sink stores an event (setting <c>mode</c>).</summary>
public enum RedisSinkMode
{
    /// <summary><c>RPUSH key json</c>, with optional congestion control.</summary>
    List,

    /// <summary><c>XADD key [MAXLEN ~ n] * event json</c> (or one stream field per top-level event field).</summary>
    Stream,

    /// <summary><c>PUBLISH key json</c>.</summary>
    Channel,

    /// <summary><c>HSET key field value …</c> from the top-level event fields.</summary>
    Hash,

    /// <summary><c>SET key json [EX ttl]</c>.</summary>
    String,
}
