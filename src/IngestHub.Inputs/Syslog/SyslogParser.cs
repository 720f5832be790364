using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IngestHub.Inputs.Syslog;

/// <summary>
/// Parses one syslog message, RFC 5424 (<c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG</c>) or RFC 3164
/// (<c>&lt;PRI&gt;Mmm dd hh:mm:ss HOST TAG[PID]: MSG</c>), into a JSON record: facility, severity, host, app, procid,
/// msgid, structured data, message. A message that fits neither keeps its text in <c>message</c> and is tagged
/// <c>_syslogparsefailure</c>, so nothing is lost.
/// </summary>
public static class SyslogParser
{
    private static readonly string[] Severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Encodes the message as JSON; returns the record's key (the host, when known).</summary>
    public static IngestRecord Parse(ReadOnlySpan<byte> raw, DateTimeOffset received, bool truncated = false)
    {
        string text = Encoding.UTF8.GetString(raw).TrimEnd('\n', '\r', '\0');
        var buffer = new ArrayBufferWriter<byte>(text.Length + 256);
        string? host = null;
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (!TryPri(text, out int pri, out int rest))
            {
                Failure(json, text, received, truncated);
            }
            else if (rest + 2 <= text.Length && text[rest] == '1' && text[rest + 1] == ' ')
            {
                host = Rfc5424(json, text, pri, rest + 2, received, truncated);
            }
            else
            {
                host = Rfc3164(json, text, pri, rest, received, truncated);
            }
            json.WriteEndObject();
        }
        return new IngestRecord(host is null ? null : Encoding.UTF8.GetBytes(host), buffer.WrittenSpan.ToArray());
    }

    private static bool TryPri(string text, out int pri, out int rest)
    {
        pri = 0;
        rest = 0;
        if (text.Length < 3 || text[0] != '<')
            return false;
        int close = text.IndexOf('>', 1);
        if (close < 2 || close > 4 || !int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out pri) || pri > 191)
            return false;
        rest = close + 1;
        return true;
    }

    private static void Header(Utf8JsonWriter json, int pri, string format)
    {
        json.WriteNumber("facility", pri / 8);
        json.WriteNumber("severity", pri % 8);
        json.WriteString("level", Severities[pri % 8]);
        json.WriteString("format", format);
    }

    private static string? Rfc5424(Utf8JsonWriter json, string text, int pri, int at, DateTimeOffset received, bool truncated)
    {
        string? timestamp = Field(text, ref at), host = Field(text, ref at), app = Field(text, ref at), procId = Field(text, ref at), msgId = Field(text, ref at);
        json.WriteString("@timestamp", timestamp is not null && DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var ts)
            ? ts.UtcDateTime : received.UtcDateTime);
        Header(json, pri, "rfc5424");
        WriteOptional(json, "host", host);
        WriteOptional(json, "app", app);
        WriteOptional(json, "procid", procId);
        WriteOptional(json, "msgid", msgId);
        if (at < text.Length && text[at] == '[')
        {
            json.WriteStartObject("structuredData");
            while (at < text.Length && text[at] == '[')
                at = StructuredElement(json, text, at);
            json.WriteEndObject();
            if (at < text.Length && text[at] == ' ')
                at++;
        }
        else if (at < text.Length && text[at] == '-')
        {
            at = Math.Min(at + 2, text.Length);
        }
        string message = at < text.Length ? text[at..] : "";
        if (message.StartsWith('\uFEFF'))
            message = message[1..];
        json.WriteString("message", message);
        Tags(json, truncated, failure: false);
        return host;
    }

    /// <summary>One <c>[id name="value" ...]</c> element; returns the index after it.</summary>
    private static int StructuredElement(Utf8JsonWriter json, string text, int at)
    {
        int i = at + 1;
        int idEnd = i;
        while (idEnd < text.Length && text[idEnd] is not (' ' or ']'))
            idEnd++;
        json.WriteStartObject(text[i..idEnd]);
        i = idEnd;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
            int eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"')
                break;
            string name = text[i..eq];
            var value = new StringBuilder();
            i = eq + 2;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or ']')
                    i++;
                value.Append(text[i++]);
            }
            json.WriteString(name, value.ToString());
            i++; // closing quote
        }
        json.WriteEndObject();
        int close = i < text.Length ? text.IndexOf(']', i) : -1;
        return close < 0 ? text.Length : close + 1;
    }

    private static string? Rfc3164(Utf8JsonWriter json, string text, int pri, int at, DateTimeOffset received, bool truncated)
    {
        DateTime? timestamp = null;
        // "Mmm dd hh:mm:ss " (15 characters and a space); the year is the receiver's.
        if (at + 16 <= text.Length && Array.IndexOf(Months, text.Substring(at, 3)) is int month and >= 0
            && int.TryParse(text.AsSpan(at + 4, 2).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int day)
            && TimeSpan.TryParseExact(text.AsSpan(at + 7, 8), @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var time))
        {
            try
            {
                timestamp = new DateTime(received.Year, month + 1, day, 0, 0, 0, DateTimeKind.Utc) + time;
                // A December line received in January belongs to the previous year.
                if (timestamp > received.UtcDateTime.AddDays(2))
                    timestamp = timestamp.Value.AddYears(-1);
            }
            catch (ArgumentOutOfRangeException)
            {
            }
            at += 16;
        }
        string? host = null;
        if (timestamp is not null)
            host = Field(text, ref at);
        string rest = at < text.Length ? text[at..] : "";
        string? app = null, procId = null;
        int colon = rest.IndexOf(": ", StringComparison.Ordinal);
        int space = rest.IndexOf(' ');
        if (colon > 0 && (space < 0 || colon < space))
        {
            string tag = rest[..colon];
            int bracket = tag.IndexOf('[');
            if (bracket > 0 && tag.EndsWith(']'))
            {
                app = tag[..bracket];
                procId = tag[(bracket + 1)..^1];
            }
            else
            {
                app = tag;
            }
            rest = rest[(colon + 2)..];
        }
        json.WriteString("@timestamp", timestamp ?? received.UtcDateTime);
        Header(json, pri, "rfc3164");
        WriteOptional(json, "host", host);
        WriteOptional(json, "app", app);
        WriteOptional(json, "procid", procId);
        json.WriteString("message", rest);
        Tags(json, truncated, failure: false);
        return host;
    }

    private static void Failure(Utf8JsonWriter json, string text, DateTimeOffset received, bool truncated)
    {
        json.WriteString("@timestamp", received.UtcDateTime);
        json.WriteString("message", text);
        Tags(json, truncated, failure: true);
    }

    private static void Tags(Utf8JsonWriter json, bool truncated, bool failure)
    {
        if (!truncated && !failure)
            return;
        json.WriteStartArray("tags");
        if (failure)
            json.WriteStringValue("_syslogparsefailure");
        if (truncated)
            json.WriteStringValue("_syslogtruncated");
        json.WriteEndArray();
    }

    /// <summary>The next space-separated field; "-" (the RFC 5424 nil value) is null.</summary>
    private static string? Field(string text, ref int at)
    {
        if (at >= text.Length)
            return null;
        int end = text.IndexOf(' ', at);
        if (end < 0)
            end = text.Length;
        string value = text[at..end];
        at = Math.Min(end + 1, text.Length);
        return value == "-" ? null : value;
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }
}
