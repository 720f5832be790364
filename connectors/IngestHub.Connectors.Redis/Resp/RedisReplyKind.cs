namespace IngestHub.Connectors.Redis.Resp;

/// <summary>The RESP2 reply types; <see cref="Null"/> covers both the null bulk string and the null array.</summary>
public enum RedisReplyKind : byte
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
}
