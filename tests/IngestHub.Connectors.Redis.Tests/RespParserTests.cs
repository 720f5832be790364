using System.Buffers;
using System.Text;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis.Tests;

public class RespParserTests
{
    // Wire bytes and the reply they must parse to, rendered by Render().
    public static readonly TheoryData<string, string> Replies = new()
    {
        { "+OK\r\n", "+OK" },
        { "+hello world\r\n", "+hello world" },
        { "-ERR unknown command 'FOO'\r\n", "-ERR unknown command 'FOO'" },
        { "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value" },
        { ":0\r\n", ":0" },
        { ":-42\r\n", ":-42" },
        { ":9223372036854775807\r\n", ":9223372036854775807" },
        { "$5\r\nhello\r\n", "$hello" },
        { "$0\r\n\r\n", "$" },
        { "$4\r\na\r\nb\r\n", "$a\r\nb" },
        { "$-1\r\n", "nil" },
        { "*-1\r\n", "nil" },
        { "*0\r\n", "[]" },
        { "*3\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n", "[:1,$foo,nil]" },
        { "*2\r\n*2\r\n+a\r\n-ERR b\r\n*1\r\n*0\r\n", "[[+a,-ERR b],[[]]]" },
        { "*2\r\n$6\r\n1-0\r\nx\r\n*2\r\n$5\r\nevent\r\n$2\r\n{}\r\n", "[$1-0\r\nx,[$event,${}]]" },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void Parses_every_reply_type(string wire, string expected)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire)));
        Assert.True(RespParser.TryParse(ref reader, out var reply));
        Assert.Equal(expected, Render(reply));
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Reply_split_at_every_byte_boundary_parses_the_same(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (int split = 1; split < bytes.Length; split++)
        {
            // Only the first part has arrived: nothing is consumed.
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, split));
            Assert.False(RespParser.TryParse(ref partial, out _), $"parsed from only {split} of {bytes.Length} bytes");
            Assert.Equal(0, partial.Consumed);

            // Both parts, in two buffer segments.
            var reader = new SequenceReader<byte>(TwoSegments(bytes, split));
            Assert.True(RespParser.TryParse(ref reader, out var reply), $"split at {split}");
            Assert.Equal(expected, Render(reply));
            Assert.Equal(0, reader.Remaining);
        }
    }

    [Fact]
    public void Several_replies_in_one_buffer_parse_in_order_and_a_partial_tail_waits()
    {
        var bytes = Encoding.UTF8.GetBytes("+OK\r\n:7\r\n$3\r\nabc\r\n*2\r\n:1\r\n");
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        var parsed = new List<string>();
        while (RespParser.TryParse(ref reader, out var reply))
            parsed.Add(Render(reply));
        Assert.Equal(["+OK", ":7", "$abc"], parsed);
        Assert.Equal("*2\r\n:1\r\n".Length, reader.Remaining);
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData(":\r\n")]
    [InlineData("$3\r\nabcde\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("*-5\r\n")]
    public void Malformed_input_throws_connection_exception(string wire)
    {
        Assert.Throws<RedisConnectionException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire)));
            RespParser.TryParse(ref reader, out _);
        });
    }

    [Fact]
    public void Writer_encodes_commands_as_arrays_of_bulk_strings()
    {
        var output = new ArrayBufferWriter<byte>();
        RespWriter.Write(output, new RedisCommand("SET", "kéy", new byte[] { 0, 13, 10 }, 42L));
        RespWriter.Write(output, new RedisCommand("PING"));
        var expected = "*4\r\n$3\r\nSET\r\n$4\r\nkéy\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n*1\r\n$4\r\nPING\r\n";
        Assert.Equal(Encoding.UTF8.GetBytes(expected), output.WrittenSpan.ToArray());
    }

    internal static string Render(RedisReply reply) => reply.Kind switch
    {
        RedisReplyKind.SimpleString => "+" + reply.Text,
        RedisReplyKind.Error => "-" + reply.Text,
        RedisReplyKind.Integer => ":" + reply.Integer,
        RedisReplyKind.BulkString => "$" + Encoding.UTF8.GetString(reply.Bytes!),
        RedisReplyKind.Array => "[" + string.Join(",", reply.Elements!.Select(Render)) + "]",
        _ => "nil",
    };

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var second = new Segment(bytes.AsMemory(split), split);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
