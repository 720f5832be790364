using System.Text;

namespace IngestHub.Connectors.Redis.Resp;

/// <summary>One parsed RESP2 reply. A struct so that the common small replies (<c>+OK</c>, <c>:n</c>) of a
/// pipelined batch cost no allocation.</summary>
public readonly struct RedisReply
{
    private readonly object? _payload;

    private RedisReply(RedisReplyKind kind, long integer, object? payload)
    {
        Kind = kind;
        Integer = integer;
        _payload = payload;
    }

    public static RedisReply Null => new(RedisReplyKind.Null, 0, null);

    public RedisReplyKind Kind { get; }

    /// <summary>The value of an integer reply (0 otherwise).</summary>
    public long Integer { get; }

    public bool IsError => Kind == RedisReplyKind.Error;

    public bool IsNull => Kind == RedisReplyKind.Null;

    /// <summary>Text of a simple string or error reply, or a bulk string decoded as UTF-8.</summary>
    public string? Text => _payload switch
    {
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        _ => Kind == RedisReplyKind.Integer ? Integer.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
    };

    /// <summary>The bytes of a bulk string reply.</summary>
    public byte[]? Bytes => _payload as byte[];

    /// <summary>The elements of an array reply.</summary>
    public RedisReply[]? Elements => _payload as RedisReply[];

    /// <summary>The first word of an error reply (<c>ERR</c>, <c>WRONGTYPE</c>, <c>OOM</c>…).</summary>
    public string? ErrorPrefix
    {
        get
        {
            if (Kind != RedisReplyKind.Error || _payload is not string s)
                return null;
            int space = s.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? s : s[..space];
        }
    }

    public static RedisReply SimpleString(string text) => new(RedisReplyKind.SimpleString, 0, text);

    public static RedisReply Error(string text) => new(RedisReplyKind.Error, 0, text);

    public static RedisReply FromInteger(long value) => new(RedisReplyKind.Integer, value, null);

    public static RedisReply BulkString(byte[] bytes) => new(RedisReplyKind.BulkString, 0, bytes);

    public static RedisReply Array(RedisReply[] elements) => new(RedisReplyKind.Array, 0, elements);

    public override string ToString() => Kind switch
    {
        RedisReplyKind.Array => "[" + string.Join(", ", Elements!) + "]",
        RedisReplyKind.Null => "(nil)",
        RedisReplyKind.Error => "-" + Text,
        _ => Text ?? "",
    };
}
