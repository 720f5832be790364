using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog.Core;
using Serilog.Events;

namespace IngestHub.Logging.Serilog;

/// <summary>
/// Ships Serilog events to an IngestHub topic through the same bounded queue and background sender as the
/// Microsoft.Extensions.Logging provider, in the same record shape: <c>SourceContext</c> becomes <c>category</c>,
/// the message template <c>template</c>, the other properties <c>properties</c>; trace and span ids come from the
/// event. Emitting never waits. Disposing (<c>Log.CloseAndFlush</c>) sends what is held within
/// <see cref="IngestHubLoggerOptions.ShutdownTimeout"/>.
/// </summary>
public sealed class IngestHubSink : ILogEventSink, IDisposable, IAsyncDisposable
{
    private const string SourceContext = "SourceContext";
    private const int MaxItems = 64;
    private const int MaxDepth = 8;
    private static readonly JsonEncodedText[] Levels =
    [
        JsonEncodedText.Encode("Trace"), JsonEncodedText.Encode("Debug"), JsonEncodedText.Encode("Information"),
        JsonEncodedText.Encode("Warning"), JsonEncodedText.Encode("Error"), JsonEncodedText.Encode("Critical"),
    ];

    private readonly LogShipper _shipper;
    private readonly ServiceIdentity _service;
    private readonly string? _keyField;

    public IngestHubSink(IngestHubLoggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _service = new ServiceIdentity(options);
        _shipper = new LogShipper(options);
        _keyField = options.KeyField;
    }

    /// <summary>Received, sent, dropped (by reason) and held events; also published as <c>ingesthub.logging.*</c> metrics.</summary>
    public LogShippingStatistics Statistics => _shipper.Statistics;

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (LogShipper.IsShippingThread)
            return;
        LogRecordWriter? writer = null;
        try
        {
            writer = LogRecordWriter.Rent();
            Write(writer, logEvent);
            _shipper.Enqueue(writer.ToEvent(_service));
        }
        catch (Exception)
        {
            // A throwing property or renderer must not reach the application's log call; the event is counted.
            _shipper.CountInvalid();
        }
        finally
        {
            writer?.Release();
        }
    }

    private void Write(LogRecordWriter writer, LogEvent logEvent)
    {
        var json = writer.Json;
        json.WriteStartObject();
        writer.WriteTimestamp(logEvent.Timestamp.UtcDateTime);
        json.WriteString(LogRecordWriter.LevelName, Levels[Math.Clamp((int)logEvent.Level, 0, Levels.Length - 1)]);
        if (logEvent.Properties.TryGetValue(SourceContext, out var context) && context is ScalarValue { Value: string category })
            json.WriteString(LogRecordWriter.CategoryName, category);
        json.WriteString(LogRecordWriter.MessageName, logEvent.RenderMessage(CultureInfo.InvariantCulture));
        json.WriteString(LogRecordWriter.TemplateName, logEvent.MessageTemplate.Text);
        bool open = false;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (name == SourceContext)
                continue;
            if (!open)
            {
                json.WriteStartObject(LogRecordWriter.PropertiesName);
                open = true;
            }
            json.WritePropertyName(name);
            WriteValue(writer, value, 0);
            if (_keyField is not null && name == _keyField && value is ScalarValue { Value: { } key })
                writer.CapturedKey = Convert.ToString(key, CultureInfo.InvariantCulture);
        }
        if (open)
            json.WriteEndObject();
        writer.WriteException(logEvent.Exception);
        if (logEvent.TraceId is { } traceId && logEvent.SpanId is { } spanId)
            writer.WriteTrace(traceId, spanId);
        writer.WriteService(_service);
        json.WriteEndObject();
    }

    private static void WriteValue(LogRecordWriter writer, LogEventPropertyValue value, int depth)
    {
        var json = writer.Json;
        switch (value)
        {
            case ScalarValue scalar:
                writer.WriteValue(scalar.Value);
                break;
            case SequenceValue sequence when depth < MaxDepth:
                json.WriteStartArray();
                foreach (var item in sequence.Elements.Take(MaxItems))
                    WriteValue(writer, item, depth + 1);
                json.WriteEndArray();
                break;
            case StructureValue structure when depth < MaxDepth:
                json.WriteStartObject();
                foreach (var property in structure.Properties.Take(MaxItems))
                {
                    json.WritePropertyName(property.Name);
                    WriteValue(writer, property.Value, depth + 1);
                }
                json.WriteEndObject();
                break;
            case DictionaryValue dictionary when depth < MaxDepth:
                json.WriteStartObject();
                foreach (var (key, item) in dictionary.Elements.Take(MaxItems))
                {
                    json.WritePropertyName(Convert.ToString(key.Value, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(writer, item, depth + 1);
                }
                json.WriteEndObject();
                break;
            default:
                json.WriteStringValue(value.ToString(null, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Waits until every event emitted so far is acknowledged (or dropped and counted).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _shipper.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _shipper.DisposeAsync();

    public void Dispose() => _shipper.Dispose();
}
