using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace IngestHub.Logging;

/// <summary>The logger of one category: encodes each enabled event into a record and hands it to the shipper.</summary>
internal sealed class IngestHubLogger(string category, IngestHubLoggerProvider provider) : ILogger
{
    private const string OriginalFormat = "{OriginalFormat}";
    private static readonly JsonEncodedText[] Levels =
    [
        JsonEncodedText.Encode("Trace"), JsonEncodedText.Encode("Debug"), JsonEncodedText.Encode("Information"),
        JsonEncodedText.Encode("Warning"), JsonEncodedText.Encode("Error"), JsonEncodedText.Encode("Critical"),
    ];

    private readonly JsonEncodedText _category = JsonEncodedText.Encode(category, LogRecordWriter.Encoder);
    // The client and the provider log about shipping itself: those events go to the other providers only.
    private readonly bool _excluded = IngestHubLoggerProvider.IsOwnCategory(category);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider.ScopeProvider.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && !_excluded && !LogShipper.IsShippingThread;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        var shipper = provider.Shipper;
        LogRecordWriter? writer = null;
        try
        {
            writer = LogRecordWriter.Rent();
            Write(writer, logLevel, eventId, state, exception, formatter);
            shipper.Enqueue(writer.ToEvent(provider.Service));
        }
        catch (Exception)
        {
            // A throwing formatter or property must not reach the application's log call; the event is counted.
            shipper.CountInvalid();
        }
        finally
        {
            writer?.Release();
        }
    }

    private void Write<TState>(LogRecordWriter writer, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var json = writer.Json;
        json.WriteStartObject();
        writer.WriteTimestamp(DateTime.UtcNow);
        json.WriteString(LogRecordWriter.LevelName, Levels[(int)level]);
        json.WriteString(LogRecordWriter.CategoryName, _category);
        if (eventId.Id != 0)
            json.WriteNumber(LogRecordWriter.EventIdName, eventId.Id);
        if (eventId.Name is { } eventName)
            json.WriteString(LogRecordWriter.EventNameName, eventName);
        json.WriteString(LogRecordWriter.MessageName, formatter(state, exception));
        string? keyField = provider.Options.KeyField;
        if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
            WriteProperties(writer, pairs, keyField);
        if (provider.Options.IncludeScopes)
            WriteScopes(writer, keyField);
        writer.WriteException(exception);
        writer.WriteTrace(Activity.Current);
        writer.WriteService(provider.Service);
        json.WriteEndObject();
    }

    private static void WriteProperties(LogRecordWriter writer, IReadOnlyList<KeyValuePair<string, object?>> pairs, string? keyField)
    {
        var json = writer.Json;
        int count = pairs.Count;
        // The template is last in the framework's state (FormattedLogValues, LoggerMessage.Define, source-generated loggers).
        for (int i = count - 1; i >= 0; i--)
        {
            if (pairs[i].Key == OriginalFormat)
            {
                if (pairs[i].Value is string template)
                    json.WriteString(LogRecordWriter.TemplateName, template);
                break;
            }
        }
        bool open = false;
        for (int i = 0; i < count; i++)
        {
            var (name, value) = pairs[i];
            if (name == OriginalFormat)
                continue;
            if (!open)
            {
                json.WriteStartObject(LogRecordWriter.PropertiesName);
                open = true;
            }
            json.WritePropertyName(name);
            writer.WriteValue(value);
            if (keyField is not null && name == keyField && value is not null)
                writer.CapturedKey = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (open)
            json.WriteEndObject();
    }

    private void WriteScopes(LogRecordWriter writer, string? keyField)
    {
        var scopes = new ScopeWriting(writer, keyField);
        provider.ScopeProvider.ForEachScope(static (scope, s) =>
        {
            var json = s.Writer.Json;
            if (!s.Open)
            {
                json.WriteStartArray(LogRecordWriter.ScopesName);
                s.Open = true;
            }
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                json.WriteStartObject();
                foreach (var (name, value) in pairs)
                {
                    if (name == OriginalFormat)
                        continue;
                    json.WritePropertyName(name);
                    s.Writer.WriteValue(value);
                    if (s.KeyField is not null && name == s.KeyField && value is not null && s.Writer.CapturedKey is null)
                        s.Writer.CapturedKey = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
                }
                json.WriteEndObject();
            }
            else
            {
                json.WriteStringValue(Convert.ToString(scope, System.Globalization.CultureInfo.InvariantCulture));
            }
        }, scopes);
        if (scopes.Open)
            writer.Json.WriteEndArray();
    }

    private sealed class ScopeWriting(LogRecordWriter writer, string? keyField)
    {
        public LogRecordWriter Writer { get; } = writer;
        public string? KeyField { get; } = keyField;
        public bool Open { get; set; }
    }
}
