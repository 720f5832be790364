using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>Random reply trees, encoded by a reference encoder and cut into random segments, parse back to
/// the same tree.</summary>
public class RespRoundTripTests
{
    [Fact]
    public void Random_reply_trees_round_trip_across_random_segment_splits()
    {
        var seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(seeds, seed =>
        {
            var random = new Random(seed);
            var expected = new List<string>();
            var wire = new StringBuilder();
            int count = random.Next(1, 6);
            for (int i = 0; i < count; i++)
                expected.Add(Generate(random, 0, wire));
            var bytes = Encoding.UTF8.GetBytes(wire.ToString());

            var sequence = RandomSegments(bytes, random);
            var reader = new SequenceReader<byte>(sequence);
            var parsed = new List<string>();
            while (RespParser.TryParse(ref reader, out var reply))
                parsed.Add(RespParserTests.Render(reply));
            return parsed.SequenceEqual(expected) && reader.Remaining == 0;
        }));
    }

    // Writes one random reply to the wire and returns its rendering.
    private static string Generate(Random random, int depth, StringBuilder wire)
    {
        switch (random.Next(depth < 3 ? 7 : 5))
        {
            case 0:
                var simple = Word(random);
                wire.Append('+').Append(simple).Append("\r\n");
                return "+" + simple;
            case 1:
                var error = "ERR " + Word(random);
                wire.Append('-').Append(error).Append("\r\n");
                return "-" + error;
            case 2:
                long value = random.NextInt64(long.MinValue, long.MaxValue);
                wire.Append(':').Append(value).Append("\r\n");
                return ":" + value;
            case 3:
                var bulk = Word(random) + (random.Next(2) == 0 ? "\r\n" : "") + "é";
                wire.Append('$').Append(Encoding.UTF8.GetByteCount(bulk)).Append("\r\n").Append(bulk).Append("\r\n");
                return "$" + bulk;
            case 4:
                wire.Append(random.Next(2) == 0 ? "$-1\r\n" : "*-1\r\n");
                return "nil";
            default:
                int length = random.Next(0, 5);
                wire.Append('*').Append(length).Append("\r\n");
                var elements = new string[length];
                for (int i = 0; i < length; i++)
                    elements[i] = Generate(random, depth + 1, wire);
                return "[" + string.Join(",", elements) + "]";
        }
    }

    private static string Word(Random random)
    {
        var chars = new char[random.Next(0, 12)];
        for (int i = 0; i < chars.Length; i++)
            chars[i] = (char)random.Next('a', 'z' + 1);
        return new string(chars);
    }

    private static ReadOnlySequence<byte> RandomSegments(byte[] bytes, Random random)
    {
        BufferSegment? first = null, last = null;
        int position = 0;
        while (position < bytes.Length)
        {
            int length = Math.Min(bytes.Length - position, random.Next(1, 8));
            var segment = new BufferSegment(bytes.AsMemory(position, length), position);
            if (last is null)
                first = segment;
            else
                last.SetNext(segment);
            last = segment;
            position += length;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class BufferSegment : ReadOnlySequenceSegment<byte>
    {
        public BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(BufferSegment next) => Next = next;
    }
}
