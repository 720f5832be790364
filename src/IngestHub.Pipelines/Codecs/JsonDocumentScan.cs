using System.Text.Json;

namespace IngestHub.Pipelines.Codecs;

/// <summary>
/// One forward pass of <see cref="Utf8JsonReader"/> over a record value, without allocating: is it a well-formed
/// JSON object with no duplicate member names (at any depth; Logstash and Elasticsearch refuse those), and does it carry a top-level <c>@timestamp</c>?
/// Values it cannot vouch for cheaply (escaped names, very wide or deep objects) answer <see cref="Unsure"/> so the
/// caller parses them fully.
/// </summary>
internal static class JsonDocumentScan
{
    private const int MaxTrackedNames = 64;

    internal enum Result
    {
        /// <summary>A well-formed object, unique names, no top-level @timestamp: can pass through.</summary>
        PassThrough,
        /// <summary>Two members of one object share a name: a decode failure.</summary>
        DuplicateName,
        /// <summary>Parse it fully (invalid, not an object, @timestamp, or beyond what the scan tracks).</summary>
        Unsure,
    }

    public static Result Scan(ReadOnlySpan<byte> utf8)
    {
        Span<Name> names = stackalloc Name[MaxTrackedNames];
        int count = 0;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Result.Unsure;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (reader.ValueIsEscaped || reader.HasValueSequence || count == MaxTrackedNames)
                            return Result.Unsure;
                        int depth = reader.CurrentDepth;
                        var name = reader.ValueSpan;
                        if (depth == 1 && name.SequenceEqual("@timestamp"u8))
                            return Result.Unsure;
                        int start = (int)reader.TokenStartIndex + 1;
                        for (int i = count - 1; i >= 0 && names[i].Depth >= depth; i--)
                        {
                            if (names[i].Depth == depth && names[i].Length == name.Length && utf8.Slice(names[i].Start, names[i].Length).SequenceEqual(name))
                                return Result.DuplicateName;
                        }
                        names[count++] = new Name(depth, start, name.Length);
                        break;
                    case JsonTokenType.EndObject:
                        // The closed object's names are out of scope (its depth is one more than the token's).
                        int closed = reader.CurrentDepth + 1;
                        while (count > 0 && names[count - 1].Depth >= closed)
                            count--;
                        break;
                }
            }
            // A final-block reader has thrown on anything incomplete or trailing by now.
            return Result.PassThrough;
        }
        catch (JsonException)
        {
            return Result.Unsure;
        }
    }

    private readonly record struct Name(int Depth, int Start, int Length);
}
