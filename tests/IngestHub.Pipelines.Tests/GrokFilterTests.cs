using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class GrokFilterTests
{
    private const string CombinedLine =
        "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /presentations/logstash-monitorama-2013/images/kibana-search.png?x=1 HTTP/1.1\" 200 203023 \"http://semicomplete.com/presentations/logstash-monitorama-2013/\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"";

    [Fact]
    public void Combined_apache_log_yields_the_documented_fields()
    {
        var filter = Filter("grok", """{"match":{"message":"%{COMBINEDAPACHELOG}"}}""");
        var e = Message(CombinedLine);
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("83.149.9.216", e.GetString("clientip"));
        Assert.Equal("-", e.GetString("ident"));
        Assert.Equal("-", e.GetString("auth"));
        Assert.Equal("17/May/2015:10:05:03 +0000", e.GetString("timestamp"));
        Assert.Equal("GET", e.GetString("verb"));
        Assert.Equal("/presentations/logstash-monitorama-2013/images/kibana-search.png?x=1", e.GetString("request"));
        Assert.Equal("1.1", e.GetString("httpversion"));
        Assert.Equal("200", e.GetString("response"));
        Assert.Equal("203023", e.GetString("bytes"));
        Assert.Equal("\"http://semicomplete.com/presentations/logstash-monitorama-2013/\"", e.GetString("referrer"));
        Assert.StartsWith("\"Mozilla/5.0 (Macintosh;", e.GetString("agent"), StringComparison.Ordinal);
        Assert.False(e.Has("rawrequest"));
        Assert.Empty(Tags(e));
    }

    [Fact]
    public void Common_log_with_ipv6_client_dash_bytes_and_raw_request()
    {
        var filter = Filter("grok", """{"match":{"message":"%{COMMONAPACHELOG}"}}""");
        var e = Message("2001:db8::8a2e:370:7334 - frank [10/Oct/2000:13:55:36 -0700] \"-\" 408 -");
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("2001:db8::8a2e:370:7334", e.GetString("clientip"));
        Assert.Equal("frank", e.GetString("auth"));
        Assert.Equal("-", e.GetString("rawrequest"));
        Assert.False(e.Has("verb"));
        Assert.False(e.Has("bytes"));
    }

    [Fact]
    public void Syslog_line_splits_into_program_pid_and_message()
    {
        var filter = Filter("grok", """{"match":{"message":"%{SYSLOGTIMESTAMP:syslog_timestamp} %{SYSLOGHOST:host} %{SYSLOGPROG}: %{GREEDYDATA:msg}"}}""");
        var e = Message("Dec  3 07:15:01 web-01.example.com sshd[4242]: Accepted publickey for deploy from 10.0.0.5 port 51234 ssh2");
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("Dec  3 07:15:01", e.GetString("syslog_timestamp"));
        Assert.Equal("web-01.example.com", e.GetString("host"));
        Assert.Equal("sshd", e.GetString("program"));
        Assert.Equal("4242", e.GetString("pid"));
        Assert.Equal("Accepted publickey for deploy from 10.0.0.5 port 51234 ssh2", e.GetString("msg"));
    }

    [Fact]
    public void Syslog_line_without_pid()
    {
        var filter = Filter("grok", """{"match":{"message":"%{SYSLOGLINE}"}}""", null);
        var e = Message("Jan 15 23:59:59 gw CRON: job started");
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("CRON", e.GetString("program"));
        Assert.False(e.Has("pid"));
        Assert.Equal("gw", e.GetString("logsource"));
    }

    [Fact]
    public void Typed_captures_convert_and_nested_fields_are_created()
    {
        var filter = Filter("grok", """{"match":{"message":"%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:[log][level]} took %{NUMBER:took:float}s code=%{INT:code:int} id=%{UUID:id}"}}""");
        var e = Message("2024-05-01T12:00:00.123+02:00 WARN took 1.5s code=-3 id=123e4567-e89b-12d3-a456-426614174000");
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("2024-05-01T12:00:00.123+02:00", e.GetString("ts"));
        Assert.Equal("WARN", e.GetString("log.level"));
        Assert.Equal(1.5, e.Get("took")!.GetValue<double>());
        Assert.Equal(-3, e.Get("code")!.GetValue<long>());
        Assert.Equal("123e4567-e89b-12d3-a456-426614174000", e.GetString("id"));
    }

    [Fact]
    public void Raw_named_groups_and_custom_pattern_definitions_capture()
    {
        var filter = Filter("grok", """{"match":{"message":"%{REQID:req} (?<user>[a-z]+) %{PATH:path}"},"pattern_definitions":{"REQID":"req-%{POSINT}"}}""");
        var e = Message("req-881 alice /var/log/app.log");
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal("req-881", e.GetString("req"));
        Assert.Equal("alice", e.GetString("user"));
        Assert.Equal("/var/log/app.log", e.GetString("path"));
    }

    [Theory]
    [InlineData("%{IPV4:v}", "ip 192.168.1.254 x", "192.168.1.254")]
    [InlineData("%{IPV6:v}", "addr fe80::1%eth0 up", "fe80::1%eth0")]
    [InlineData("%{IPV6:v}", "addr ::ffff:10.1.2.3 up", "::ffff:10.1.2.3")]
    [InlineData("%{IP:v}", "from 2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329")]
    [InlineData("%{IPORHOST:v}:%{POSINT}", "db-2.internal:5432", "db-2.internal")]
    [InlineData("%{HTTPDATE:v}", "[01/Feb/2024:00:00:01 +0100]", "01/Feb/2024:00:00:01 +0100")]
    [InlineData("%{QUOTEDSTRING:v}", "say \"a \\\"quoted\\\" word\" now", "\"a \\\"quoted\\\" word\"")]
    [InlineData("%{URIPATHPARAM:v}", "GET /a/b.php?x=1&y=[2] HTTP", "/a/b.php?x=1&y=[2]")]
    [InlineData("%{USERNAME:v}@", "mail j.doe-1@example.com", "j.doe-1")]
    [InlineData("%{YEAR:v}-%{MONTHNUM}", "on 2024-12", "2024")]
    [InlineData("%{TIME:v}", "at 23:59:60.5 UTC", "23:59:60.5")]
    [InlineData("%{MONTH:v} %{MONTHDAY}", "September 30", "September")]
    [InlineData("%{WORD:v}%{SPACE}%{NOTSPACE}", "hello   world", "hello")]
    [InlineData("%{BASE10NUM:v}", "x=-12.5e", "-12.5")]
    public void Library_patterns_match(string pattern, string input, string expected)
    {
        var filter = GrokOn(pattern);
        var e = Message(input);
        Assert.Equal(FilterOutcome.Success, filter.Apply(e));
        Assert.Equal(expected, e.GetString("v"));
    }

    [Theory]
    [InlineData("^%{IPV4}$", "256.1.1.1")]
    [InlineData("^%{IPV4}$", "1.2.3")]
    [InlineData("^%{IPV6}$", "1:2:3:4:5:6:7:8:9")]
    [InlineData("^%{IPV6}$", "12345::1")]
    [InlineData("^%{POSINT}$", "012")]
    [InlineData("^%{LOGLEVEL}$", "verbose")]
    public void Library_patterns_reject(string pattern, string input)
    {
        var filter = GrokOn(pattern);
        Assert.Equal(FilterOutcome.Failure, filter.Apply(Message(input)));
    }

    private static FilterStage GrokOn(string pattern) =>
        Filter("grok", new System.Text.Json.Nodes.JsonObject { ["match"] = new System.Text.Json.Nodes.JsonObject { ["message"] = pattern } }.ToJsonString());

    [Fact]
    public void No_match_tags_grokparsefailure_and_leaves_fields()
    {
        var filter = Filter("grok", """{"match":{"message":"%{COMBINEDAPACHELOG}"}}""");
        var e = Message("this is not an access log");
        Assert.Equal(FilterOutcome.Failure, filter.Apply(e));
        Assert.Equal(["_grokparsefailure"], Tags(e));
        Assert.Single(e.Fields, f => f.Key != "tags");
    }

    [Fact]
    public void Break_on_match_stops_at_first_pattern_unless_disabled()
    {
        const string match = """{"message":["%{WORD:first} %{GREEDYDATA}","%{GREEDYDATA} %{WORD:last}"]}""";
        var first = Message("alpha beta gamma");
        Filter("grok", $$"""{"match":{{match}}}""").Apply(first);
        Assert.Equal("alpha", first.GetString("first"));
        Assert.False(first.Has("last"));

        var both = Message("alpha beta gamma");
        Filter("grok", $$"""{"match":{{match}},"break_on_match":false}""").Apply(both);
        Assert.Equal("alpha", both.GetString("first"));
        Assert.Equal("gamma", both.GetString("last"));
    }

    [Fact]
    public void Capture_into_existing_field_appends_unless_overwrite()
    {
        var appended = Message("hello world");
        Filter("grok", """{"match":{"message":"%{WORD} %{GREEDYDATA:message}"}}""").Apply(appended);
        Assert.Equal("""["hello world","world"]""", appended.Get("message")!.ToJsonString());

        var overwritten = Message("hello world");
        Filter("grok", """{"match":{"message":"%{WORD} %{GREEDYDATA:message}"},"overwrite":["message"]}""").Apply(overwritten);
        Assert.Equal("world", overwritten.GetString("message"));
    }

    [Fact]
    public void Pathological_pattern_times_out_and_tags_groktimeout()
    {
        var filter = Filter("grok", """{"match":{"message":"^(\\w+\\s?)*$"},"timeout_millis":20}""");
        var e = Message(new string('a', 60) + "!");
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(FilterOutcome.Failure, filter.Apply(e));
        Assert.Equal(["_groktimeout"], Tags(e));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("""{"match":{"message":"%{FOO}"}}""", "filters[0].grok.match.message: unknown pattern %{FOO}")]
    [InlineData("""{"match":{"message":"%{WORD:x:bogus}"}}""", "filters[0].grok.match.message: unknown capture type bogus (expected int or float)")]
    [InlineData("""{"match":{"message":"%{A}"},"pattern_definitions":{"A":"%{B}","B":"%{A}"}}""", "filters[0].grok.match.message: pattern %{A} refers to itself")]
    [InlineData("""{"match":{}}""", "filters[0].grok.match: is required: { field: pattern } or { field: [patterns] }")]
    [InlineData("""{"match":{"message":"(unclosed"}}""", "filters[0].grok.match.message: invalid regular expression")]
    [InlineData("""{"match":{"message":"x"},"timeout_millis":0}""", "filters[0].grok.timeout_millis: must be between 1")]
    [InlineData("""{"match":{"message":"x"},"matches":1}""", "filters[0].grok.matches: unknown key")]
    public void Invalid_settings_name_the_key(string settings, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => Filter("grok", settings));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }
}
