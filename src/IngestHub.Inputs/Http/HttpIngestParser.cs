using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace IngestHub.Inputs.Http;

/// <summary>
/// Splits an ingest request body into records: NDJSON (one JSON object per line), a JSON array of objects, or plain
/// text lines, chosen by the media type. All or nothing: the first malformed or oversized record refuses the whole
/// request with its line number, so nothing of it is stored.
/// </summary>
public static class HttpIngestParser
{
    public static bool TryParse(ReadOnlyMemory<byte> body, string? contentType, string? keyField, HttpInputOptions limits,
        out List<IngestRecord> records, out IngestFailure? failure)
    {
        records = [];
        string media = (contentType ?? "text/plain").Split(';')[0].Trim().ToLowerInvariant();
        switch (media)
        {
            case "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines" or "application/jsonlines":
                return TryParseLines(body.Span, json: true, keyField, limits, records, out failure);
            case "application/json":
                return FirstByte(body.Span) == (byte)'['
                    ? TryParseArray(body, keyField, limits, records, out failure)
                    : TryParseLines(body.Span, json: true, keyField, limits, records, out failure);
            case "text/plain" or "":
                if (keyField is not null)
                {
                    failure = new IngestFailure(400, $"key={keyField} needs JSON records; plain text lines have no fields");
                    return false;
                }
                return TryParseLines(body.Span, json: false, null, limits, records, out failure);
            default:
                failure = new IngestFailure(415, $"unsupported content type '{media}': use application/x-ndjson, application/json or text/plain");
                return false;
        }
    }

    private static byte FirstByte(ReadOnlySpan<byte> body)
    {
        foreach (byte b in body)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                return b;
        return 0;
    }

    private static bool TryParseLines(ReadOnlySpan<byte> body, bool json, string? keyField, HttpInputOptions limits, List<IngestRecord> records,
        out IngestFailure? failure)
    {
        int lineNumber = 0;
        while (!body.IsEmpty)
        {
            lineNumber++;
            int newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? default : body[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
                line = line[..^1];
            if (line.Trim((byte)' ').IsEmpty)
                continue;
            if (line.Length > limits.MaxLineBytes)
            {
                failure = new IngestFailure(413, $"line {lineNumber} is {line.Length} bytes, over the limit of {limits.MaxLineBytes} (inputs.http.maxLineBytes)");
                return false;
            }
            if (records.Count == limits.MaxLines)
            {
                failure = new IngestFailure(413, $"more than {limits.MaxLines} records in one request (inputs.http.maxLines)");
                return false;
            }
            byte[]? key = null;
            if (json)
            {
                if (!TryValidateObject(line, out string? error))
                {
                    failure = new IngestFailure(400, $"line {lineNumber}: {error}");
                    return false;
                }
                if (keyField is not null)
                {
                    using var document = JsonDocument.Parse(line.ToArray());
                    key = KeyOf(document.RootElement, keyField);
                }
            }
            else if (!Utf8.IsValid(line))
            {
                failure = new IngestFailure(400, $"line {lineNumber} is not valid UTF-8");
                return false;
            }
            records.Add(new IngestRecord(key, line.ToArray()));
        }
        failure = null;
        return true;
    }

    private static bool TryValidateObject(ReadOnlySpan<byte> line, out string? error)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "expected a JSON object";
                return false;
            }
            reader.Skip();
            if (reader.Read())
            {
                error = $"unexpected data after the JSON object at byte {reader.TokenStartIndex + 1}";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = $"invalid JSON at byte {ex.BytePositionInLine + 1}: {FirstSentence(ex.Message)}";
            return false;
        }
        error = null;
        return true;
    }

    private static bool TryParseArray(ReadOnlyMemory<byte> body, string? keyField, HttpInputOptions limits, List<IngestRecord> records,
        out IngestFailure? failure)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            failure = new IngestFailure(400, $"line {(ex.LineNumber ?? 0) + 1}: invalid JSON at byte {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)}");
            return false;
        }
        using (document)
        {
            int index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                index++;
                if (element.ValueKind != JsonValueKind.Object)
                {
                    failure = new IngestFailure(400, $"element {index} of the array is a {element.ValueKind.ToString().ToLowerInvariant()}, expected a JSON object");
                    return false;
                }
                if (records.Count == limits.MaxLines)
                {
                    failure = new IngestFailure(413, $"more than {limits.MaxLines} records in one request (inputs.http.maxLines)");
                    return false;
                }
                byte[] value = Encoding.UTF8.GetBytes(element.GetRawText());
                if (value.Length > limits.MaxLineBytes)
                {
                    failure = new IngestFailure(413, $"element {index} is {value.Length} bytes, over the limit of {limits.MaxLineBytes} (inputs.http.maxLineBytes)");
                    return false;
                }
                records.Add(new IngestRecord(keyField is null ? null : KeyOf(element, keyField), value));
            }
        }
        failure = null;
        return true;
    }

    /// <summary>The value at a dotted path (<c>service</c>, <c>service.name</c>) as key bytes; null when absent.</summary>
    public static byte[]? KeyOf(JsonElement root, string path)
    {
        var current = root;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
                return null;
        }
        return current.ValueKind switch
        {
            JsonValueKind.String => Encoding.UTF8.GetBytes(current.GetString()!),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => Encoding.UTF8.GetBytes(current.GetRawText()),
        };
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
