using System.Buffers;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IngestHub.Logging;

/// <summary>
/// Writes one log record as JSON with <see cref="Utf8JsonWriter"/> into a per-thread scratch buffer and copies it,
/// behind its key, into a buffer rented from the shared pool: no allocation per event beyond what the caller's
/// formatter makes. The fields shared by every source (timestamp, level, trace, exception, service) are written here;
/// the Microsoft.Extensions.Logging and Serilog encoders add their properties and scopes.
/// </summary>
internal sealed class LogRecordWriter
{
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private const int MaxExceptionDepth = 8;
    private const int MaxSequenceItems = 64;
    private const int ScratchKeepBytes = 256 * 1024;

    public static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("@timestamp");
    public static readonly JsonEncodedText LevelName = JsonEncodedText.Encode("level");
    public static readonly JsonEncodedText CategoryName = JsonEncodedText.Encode("category");
    public static readonly JsonEncodedText EventIdName = JsonEncodedText.Encode("eventId");
    public static readonly JsonEncodedText EventNameName = JsonEncodedText.Encode("eventName");
    public static readonly JsonEncodedText MessageName = JsonEncodedText.Encode("message");
    public static readonly JsonEncodedText TemplateName = JsonEncodedText.Encode("template");
    public static readonly JsonEncodedText PropertiesName = JsonEncodedText.Encode("properties");
    public static readonly JsonEncodedText ScopesName = JsonEncodedText.Encode("scopes");
    public static readonly JsonEncodedText ExceptionName = JsonEncodedText.Encode("exception");
    public static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText StackName = JsonEncodedText.Encode("stack");
    public static readonly JsonEncodedText InnerName = JsonEncodedText.Encode("inner");
    public static readonly JsonEncodedText TraceIdName = JsonEncodedText.Encode("traceId");
    public static readonly JsonEncodedText SpanIdName = JsonEncodedText.Encode("spanId");
    public static readonly JsonEncodedText ServiceName = JsonEncodedText.Encode("service");
    public static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText InstanceName = JsonEncodedText.Encode("instance");
    public static readonly JsonEncodedText EnvironmentName = JsonEncodedText.Encode("environment");

    [ThreadStatic]
    private static LogRecordWriter? t_cached;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private bool _inUse;

    private LogRecordWriter()
    {
        Json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = Encoder, SkipValidation = true });
    }

    public Utf8JsonWriter Json { get; }

    /// <summary>The key captured while writing (a key field's value), or null for the service name.</summary>
    public string? CapturedKey { get; set; }

    /// <summary>The calling thread's writer, reset; a nested call on the same thread (a property's ToString that logs)
    /// gets a fresh one.</summary>
    public static LogRecordWriter Rent()
    {
        var writer = t_cached;
        if (writer is null || writer._inUse)
        {
            writer = new LogRecordWriter();
            t_cached ??= writer;
        }
        writer._inUse = true;
        writer._buffer.ResetWrittenCount();
        writer.Json.Reset(writer._buffer);
        writer.CapturedKey = null;
        return writer;
    }

    /// <summary>Finishes the record: flushes the JSON and copies key and value into a pooled buffer.</summary>
    public EncodedEvent ToEvent(ServiceIdentity service)
    {
        Json.Flush();
        var value = _buffer.WrittenSpan;
        int keyLength = CapturedKey is null ? service.Key.Length : Encoding.UTF8.GetByteCount(CapturedKey);
        var rented = ArrayPool<byte>.Shared.Rent(keyLength + value.Length);
        if (CapturedKey is null)
            service.Key.CopyTo(rented, 0);
        else
            Encoding.UTF8.GetBytes(CapturedKey, rented);
        value.CopyTo(rented.AsSpan(keyLength));
        return new EncodedEvent(rented, keyLength, value.Length);
    }

    public void Release()
    {
        _inUse = false;
        if (_buffer.Capacity > ScratchKeepBytes && ReferenceEquals(t_cached, this))
            t_cached = null; // one huge event must not pin a huge scratch buffer on this thread
    }

    public void WriteTimestamp(DateTime utc)
    {
        Span<char> text = stackalloc char[40];
        utc.TryFormat(text, out int n, "O", CultureInfo.InvariantCulture);
        Json.WriteString(TimestampName, text[..n]);
    }

    public void WriteTrace(Activity? activity)
    {
        if (activity is not null)
            WriteTrace(activity.TraceId, activity.SpanId);
    }

    public void WriteTrace(ActivityTraceId traceId, ActivitySpanId spanId)
    {
        Span<byte> id = stackalloc byte[16];
        Span<char> hex = stackalloc char[32];
        traceId.CopyTo(id);
        Convert.TryToHexStringLower(id, hex, out _);
        Json.WriteString(TraceIdName, hex);
        spanId.CopyTo(id[..8]);
        Convert.TryToHexStringLower(id[..8], hex, out _);
        Json.WriteString(SpanIdName, hex[..16]);
    }

    public void WriteService(ServiceIdentity service)
    {
        Json.WriteStartObject(ServiceName);
        Json.WriteString(NameName, service.EncodedName);
        Json.WriteString(InstanceName, service.EncodedInstance);
        Json.WriteString(EnvironmentName, service.EncodedEnvironment);
        Json.WriteEndObject();
    }

    public void WriteException(Exception? exception)
    {
        if (exception is null)
            return;
        Json.WritePropertyName(ExceptionName);
        WriteExceptionObject(exception, 0);
    }

    private void WriteExceptionObject(Exception exception, int depth)
    {
        Json.WriteStartObject();
        Json.WriteString(TypeName, exception.GetType().FullName);
        Json.WriteString(MessageName, exception.Message);
        if (exception.StackTrace is { } stack)
            Json.WriteString(StackName, stack);
        if (exception.InnerException is { } inner && depth < MaxExceptionDepth)
        {
            Json.WritePropertyName(InnerName);
            WriteExceptionObject(inner, depth + 1);
        }
        Json.WriteEndObject();
    }

    /// <summary>Writes a property value with its JSON type where it has one, else its invariant text.</summary>
    public void WriteValue(object? value, int depth = 0)
    {
        switch (value)
        {
            case null:
                Json.WriteNullValue();
                break;
            case string s:
                Json.WriteStringValue(s);
                break;
            case bool b:
                Json.WriteBooleanValue(b);
                break;
            case int i:
                Json.WriteNumberValue(i);
                break;
            case long l:
                Json.WriteNumberValue(l);
                break;
            case short sh:
                Json.WriteNumberValue(sh);
                break;
            case byte by:
                Json.WriteNumberValue(by);
                break;
            case uint ui:
                Json.WriteNumberValue(ui);
                break;
            case ulong ul:
                Json.WriteNumberValue(ul);
                break;
            case double d when double.IsFinite(d):
                Json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                Json.WriteNumberValue(f);
                break;
            case decimal m:
                Json.WriteNumberValue(m);
                break;
            case DateTime dt:
                Json.WriteStringValue(dt);
                break;
            case DateTimeOffset dto:
                Json.WriteStringValue(dto);
                break;
            case Guid g:
                Json.WriteStringValue(g);
                break;
            case Enum e:
                Json.WriteStringValue(e.ToString());
                break;
            case IEnumerable sequence when depth < 2 && value is not IFormattable:
                WriteSequence(sequence, depth);
                break;
            case ISpanFormattable formattable:
                WriteFormattable(formattable);
                break;
            default:
                Json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private void WriteSequence(IEnumerable sequence, int depth)
    {
        if (sequence is IDictionary dictionary)
        {
            Json.WriteStartObject();
            int n = 0;
            foreach (DictionaryEntry entry in dictionary)
            {
                if (n++ == MaxSequenceItems)
                    break;
                Json.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                WriteValue(entry.Value, depth + 1);
            }
            Json.WriteEndObject();
            return;
        }
        Json.WriteStartArray();
        int count = 0;
        foreach (object? item in sequence)
        {
            if (count++ == MaxSequenceItems)
                break;
            WriteValue(item, depth + 1);
        }
        Json.WriteEndArray();
    }

    private void WriteFormattable(ISpanFormattable value)
    {
        Span<char> text = stackalloc char[128];
        if (value.TryFormat(text, out int n, default, CultureInfo.InvariantCulture))
            Json.WriteStringValue(text[..n]);
        else
            Json.WriteStringValue(value.ToString(null, CultureInfo.InvariantCulture));
    }
}
