using System.Text.Json;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Reads a <c>_bulk</c> response: <c>{"took":…,"errors":bool,"items":[{"index":{"status":201,…}},
/// {"create":{"status":400,"error":{"type":…,"reason":…}}}]}</c>. Items come in request order.</summary>
internal static class BulkResponse
{
    /// <summary>Fills <paramref name="outcomes"/> (one per sent item). Returns false when the body is not a bulk
    /// response or its item count differs.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, Span<BulkItemOutcome> outcomes)
    {
        try
        {
            return Parse(json, outcomes);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Parse(ReadOnlySpan<byte> json, Span<BulkItemOutcome> outcomes)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        bool sawItems = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("errors"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.False)
                {
                    // Nothing failed: every item stored.
                    outcomes.Fill(new BulkItemOutcome(200, null, null));
                    return true;
                }
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    return false;
                int count = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    if (count >= outcomes.Length)
                        return false;
                    // {"<action>": {...}}
                    reader.Read();
                    reader.Read();
                    outcomes[count++] = ReadItem(ref reader);
                    reader.Read(); // end of wrapper object
                }
                if (count != outcomes.Length)
                    return false;
                sawItems = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return sawItems;
    }

    private static BulkItemOutcome ReadItem(ref Utf8JsonReader reader)
    {
        int status = 0;
        string? type = null, reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("type"u8))
                        {
                            reader.Read();
                            type = reader.GetString();
                        }
                        else if (reader.ValueTextEquals("reason"u8))
                        {
                            reader.Read();
                            reason = reader.GetString();
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new BulkItemOutcome(status, type, reason);
    }
}

/// <summary>One item's status and, when it failed, Elasticsearch's error type and reason.</summary>
internal readonly record struct BulkItemOutcome(int Status, string? ErrorType, string? Reason)
{
    public bool Stored => Status is >= 200 and < 300;

    public bool Retryable => Status == 429 || Status >= 500;
}
