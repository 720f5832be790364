using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Inputs.Syslog;
using Xunit;

namespace IngestHub.Inputs.Tests.Syslog;

public sealed class SyslogParserTests
{
    private static readonly DateTimeOffset Received = new(2026, 12, 2, 1, 0, 0, TimeSpan.Zero);

    private static (string? Key, JsonObject Json) Parse(string message)
    {
        var record = SyslogParser.Parse(Encoding.UTF8.GetBytes(message), Received);
        return (record.Key is null ? null : Encoding.UTF8.GetString(record.Key), JsonNode.Parse(record.Value)!.AsObject());
    }

    [Fact]
    public void Rfc5424_with_structured_data_yields_every_field()
    {
        // The RFC 5424 section 6.5 example 3 shape, with an escaped quote in a parameter value.
        var (key, json) = Parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"lication\" eventID=\"1011\"][examplePriority@32473 class=\"high\"] \uFEFFAn application event log entry...");
        Assert.Equal("mymachine.example.com", key);
        Assert.Equal(20, (int)json["facility"]!);
        Assert.Equal(5, (int)json["severity"]!);
        Assert.Equal("notice", (string)json["level"]!);
        Assert.Equal("rfc5424", (string)json["format"]!);
        Assert.Equal("evntslog", (string)json["app"]!);
        Assert.Null(json["procid"]);
        Assert.Equal("ID47", (string)json["msgid"]!);
        Assert.Equal(new DateTime(2003, 10, 11, 22, 14, 15, 3, DateTimeKind.Utc), ((DateTime)json["@timestamp"]!).ToUniversalTime());
        Assert.Equal("App\"lication", (string)json["structuredData"]!["exampleSDID@32473"]!["eventSource"]!);
        Assert.Equal("1011", (string)json["structuredData"]!["exampleSDID@32473"]!["eventID"]!);
        Assert.Equal("high", (string)json["structuredData"]!["examplePriority@32473"]!["class"]!);
        Assert.Equal("An application event log entry...", (string)json["message"]!);
        Assert.Null(json["tags"]);
    }

    [Fact]
    public void Rfc5424_without_structured_data_keeps_the_message_after_the_nil_value()
    {
        var (_, json) = Parse("<34>1 2003-10-11T22:14:15.003+02:00 host su 77 - - 'su root' failed on /dev/pts/8");
        Assert.Equal(4, (int)json["facility"]!);
        Assert.Equal("crit", (string)json["level"]!);
        Assert.Equal("77", (string)json["procid"]!);
        Assert.Null(json["msgid"]);
        Assert.Null(json["structuredData"]);
        Assert.Equal(new DateTime(2003, 10, 11, 20, 14, 15, 3, DateTimeKind.Utc), ((DateTime)json["@timestamp"]!).ToUniversalTime());
        Assert.Equal("'su root' failed on /dev/pts/8", (string)json["message"]!);
    }

    [Fact]
    public void Rfc3164_yields_host_tag_and_pid_in_the_receivers_year()
    {
        var (key, json) = Parse("<13>Nov  3 22:14:15 mymachine sshd[4123]: Accepted publickey for root");
        Assert.Equal("mymachine", key);
        Assert.Equal("rfc3164", (string)json["format"]!);
        Assert.Equal(1, (int)json["facility"]!);
        Assert.Equal("sshd", (string)json["app"]!);
        Assert.Equal("4123", (string)json["procid"]!);
        Assert.Equal("Accepted publickey for root", (string)json["message"]!);
        Assert.Equal(new DateTime(2026, 11, 3, 22, 14, 15, DateTimeKind.Utc), ((DateTime)json["@timestamp"]!).ToUniversalTime());
    }

    [Fact]
    public void Rfc3164_from_late_december_received_in_january_belongs_to_the_previous_year()
    {
        var record = SyslogParser.Parse("<13>Dec 31 23:59:58 h app: m"u8, new DateTimeOffset(2027, 1, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.Equal(new DateTime(2026, 12, 31, 23, 59, 58, DateTimeKind.Utc), ((DateTime)JsonNode.Parse(record.Value)!["@timestamp"]!).ToUniversalTime());
    }

    [Theory]
    [InlineData("no priority at all")]
    [InlineData("<999>1 2003-10-11T22:14:15Z h a - - - m")]
    [InlineData("<")]
    [InlineData("<12")]
    public void A_message_that_is_not_syslog_is_kept_whole_and_tagged(string message)
    {
        var (key, json) = Parse(message);
        Assert.Null(key);
        Assert.Equal(message, (string)json["message"]!);
        Assert.Equal("_syslogparsefailure", (string)json["tags"]![0]!);
    }

    [Theory]
    [InlineData("<13>1")]
    [InlineData("<13>1 ")]
    [InlineData("<13>1 2003-10-11T22:14:15Z h a p m [broken")]
    [InlineData("<13>1 2003-10-11T22:14:15Z h a p m [id k=\"unterminated")]
    [InlineData("<13>1 2003-10-11T22:14:15Z h a p m [id k=v]")]
    [InlineData("<13>Dec 99 25:61:61 h app[: x")]
    [InlineData("<13>Feb 30 10:00:00 h app: x")]
    public void Truncated_or_odd_messages_still_parse_to_a_record(string message)
    {
        var (_, json) = Parse(message);
        Assert.NotNull(json["@timestamp"]);
        Assert.NotNull(json["message"]);
    }

    [Fact]
    public void Random_prefixes_of_syslog_shaped_input_never_throw()
    {
        string[] pieces = ["<", ">", "1", " ", "-", "[", "]", "=", "\"", "\\", "Dec", " 2", "01:02:03", "2003-10-11T22:14:15Z", "id", "k", ":", "[12]", "\uFEFF", "\n", "\u00e9", "191", "13"];
        var random = new Random(16);
        for (int i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            int count = random.Next(1, 24);
            for (int j = 0; j < count; j++)
                text.Append(pieces[random.Next(pieces.Length)]);
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            var record = SyslogParser.Parse(bytes.AsSpan(0, random.Next(bytes.Length + 1)), Received);
            Assert.NotNull(JsonNode.Parse(record.Value)!["message"]);
        }
    }
}
