using System.Text;

namespace IngestHub.Connectors.Redis.Resp;

/// <summary>One command argument, written as a bulk string: text (UTF-8), raw bytes or an integer, without
/// converting it to an intermediate byte array first.</summary>
public readonly struct RedisArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;
    private readonly byte _kind; // 0 text, 1 bytes, 2 integer

    private RedisArg(string? text, ReadOnlyMemory<byte> bytes, long integer, byte kind)
    {
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _kind = kind;
    }

    public static implicit operator RedisArg(string text) => new(text, default, 0, 0);

    public static implicit operator RedisArg(long value) => new(null, default, value, 2);

    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(null, bytes, 0, 1);

    public static implicit operator RedisArg(byte[] bytes) => new(null, bytes, 0, 1);

    internal bool IsText => _kind == 0;

    internal bool IsInteger => _kind == 2;

    internal string Text => _text ?? "";

    internal ReadOnlyMemory<byte> Bytes => _bytes;

    internal long IntegerValue => _integer;

    public override string ToString() => _kind switch
    {
        0 => Text,
        2 => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Encoding.UTF8.GetString(_bytes.Span),
    };
}
