using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace IngestHub.Connectors.Redis.Resp;

/// <summary>Parses RESP2 replies in place from a byte sequence that may end anywhere: an incomplete reply
/// leaves the reader where it was and returns false, so the caller waits for more bytes.</summary>
internal static class RespParser
{
    private const int MaxDepth = 64;
    private const int MaxLineLength = 64 * 1024;
    private const long MaxBulkLength = 512L * 1024 * 1024;
    private const long MaxArrayLength = 16 * 1024 * 1024;

    private static readonly RedisReply Ok = RedisReply.SimpleString("OK");
    private static readonly RedisReply Pong = RedisReply.SimpleString("PONG");
    private static readonly RedisReply Queued = RedisReply.SimpleString("QUEUED");

    /// <exception cref="RedisConnectionException">The bytes are not RESP2.</exception>
    public static bool TryParse(ref SequenceReader<byte> reader, out RedisReply reply)
    {
        var start = reader;
        if (TryParseValue(ref reader, 0, out reply))
            return true;
        reader = start;
        reply = default;
        return false;
    }

    private static bool TryParseValue(ref SequenceReader<byte> reader, int depth, out RedisReply reply)
    {
        reply = default;
        if (!reader.TryRead(out byte prefix))
            return false;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > MaxLineLength)
                throw Malformed($"line longer than {MaxLineLength} bytes");
            return false;
        }
        switch (prefix)
        {
            case (byte)'+':
                reply = SimpleString(line);
                return true;
            case (byte)'-':
                reply = RedisReply.Error(Encoding.UTF8.GetString(line));
                return true;
            case (byte)':':
                reply = RedisReply.FromInteger(ParseInteger(line));
                return true;
            case (byte)'$':
                return TryParseBulk(ref reader, ParseInteger(line), out reply);
            case (byte)'*':
                return TryParseArray(ref reader, ParseInteger(line), depth, out reply);
            default:
                throw Malformed($"unknown reply type byte 0x{prefix:x2}");
        }
    }

    private static bool TryParseBulk(ref SequenceReader<byte> reader, long length, out RedisReply reply)
    {
        reply = RedisReply.Null;
        if (length == -1)
            return true;
        if (length < -1 || length > MaxBulkLength)
            throw Malformed($"bulk string length {length}");
        if (reader.Remaining < length + 2)
            return false;
        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
            throw Malformed("bulk string not terminated by CRLF");
        reply = RedisReply.BulkString(bytes);
        return true;
    }

    private static bool TryParseArray(ref SequenceReader<byte> reader, long count, int depth, out RedisReply reply)
    {
        reply = RedisReply.Null;
        if (count == -1)
            return true;
        if (count < -1 || count > MaxArrayLength)
            throw Malformed($"array length {count}");
        if (depth >= MaxDepth)
            throw Malformed($"arrays nested deeper than {MaxDepth}");
        // Each element takes at least 3 bytes: do not allocate for elements that have not arrived yet.
        if (reader.Remaining < count * 3)
            return false;
        var elements = count == 0 ? [] : new RedisReply[count];
        for (int i = 0; i < elements.Length; i++)
        {
            if (!TryParseValue(ref reader, depth + 1, out elements[i]))
                return false;
        }
        reply = RedisReply.Array(elements);
        return true;
    }

    private static RedisReply SimpleString(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            var span = line.FirstSpan;
            if (span.SequenceEqual("OK"u8))
                return Ok;
            if (span.SequenceEqual("PONG"u8))
                return Pong;
            if (span.SequenceEqual("QUEUED"u8))
                return Queued;
        }
        return RedisReply.SimpleString(Encoding.UTF8.GetString(line));
    }

    private static long ParseInteger(ReadOnlySequence<byte> line)
    {
        if (line.Length is 0 or > 20)
            throw Malformed("integer missing or too long");
        Span<byte> digits = stackalloc byte[20];
        line.CopyTo(digits);
        digits = digits[..(int)line.Length];
        if (!Utf8Parser.TryParse(digits, out long value, out int consumed) || consumed != digits.Length)
            throw Malformed($"not an integer: {Encoding.ASCII.GetString(digits)}");
        return value;
    }

    private static RedisConnectionException Malformed(string problem) => new($"malformed RESP reply: {problem}");
}
