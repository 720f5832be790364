using System.Text;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// The built-in grok pattern library. Names and captured field names follow the documented grok vocabulary
/// (so <c>%{COMBINEDAPACHELOG}</c> yields clientip, ident, auth, timestamp, verb, request, httpversion,
/// rawrequest, response, bytes, referrer, agent); the regular expressions are this product's own. Library
/// entries use only non-capturing groups so that captures come from <c>%{NAME:field}</c> alone.
/// </summary>
public static class GrokPatterns
{
    public static IReadOnlyDictionary<string, string> BuiltIn { get; } = Build();

    private static Dictionary<string, string> Build()
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Text
            ["WORD"] = @"\b\w+\b",
            ["NOTSPACE"] = @"\S+",
            ["SPACE"] = @"\s*",
            ["DATA"] = @".*?",
            ["GREEDYDATA"] = @".*",
            ["QUOTEDSTRING"] = "(?:\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`)",
            ["QS"] = "%{QUOTEDSTRING}",
            ["UUID"] = @"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}",
            ["USERNAME"] = @"[a-zA-Z0-9._-]+",
            ["USER"] = "%{USERNAME}",
            ["EMAILLOCALPART"] = @"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*",
            ["EMAILADDRESS"] = "%{EMAILLOCALPART}@%{HOSTNAME}",
            ["HTTPDUSER"] = "(?:%{EMAILADDRESS}|%{USER})",

            // Numbers
            ["INT"] = @"[+-]?[0-9]+",
            ["BASE10NUM"] = @"(?<![0-9.+-])[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)",
            ["NUMBER"] = "%{BASE10NUM}",
            ["BASE16NUM"] = @"(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?[0-9A-Fa-f]+)",
            ["POSINT"] = @"\b[1-9][0-9]*\b",
            ["NONNEGINT"] = @"\b[0-9]+\b",

            // Network
            ["IPV4"] = @"(?<![0-9])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9])",
            ["IPV6"] = Ipv6(),
            ["IP"] = "(?:%{IPV6}|%{IPV4})",
            ["HOSTNAME"] = @"\b[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?(?:\.[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?)*\b",
            ["HOST"] = "%{HOSTNAME}",
            ["IPORHOST"] = "(?:%{IP}|%{HOSTNAME})",
            ["HOSTPORT"] = "%{IPORHOST}:%{POSINT}",
            ["MAC"] = @"(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}",

            // Paths and URIs
            ["UNIXPATH"] = @"(?:/[^/\s?#]*)+",
            ["WINPATH"] = @"(?:[A-Za-z]+:|\\)(?:\\[^\\?*\s]*)+",
            ["PATH"] = "(?:%{UNIXPATH}|%{WINPATH})",
            ["URIPROTO"] = @"[A-Za-z][A-Za-z0-9+.-]*",
            ["URIPATH"] = @"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+",
            ["URIPARAM"] = @"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*",
            ["URIPATHPARAM"] = "%{URIPATH}(?:%{URIPARAM})?",
            ["URIHOST"] = "%{IPORHOST}(?::%{POSINT})?",
            ["URI"] = @"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?%{URIHOST}?(?:%{URIPATHPARAM})?",

            // Dates and times
            ["MONTH"] = @"\b(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
            ["MONTHNUM"] = "(?:1[0-2]|0?[1-9])",
            ["MONTHNUM2"] = "(?:0[1-9]|1[0-2])",
            ["MONTHDAY"] = "(?:3[01]|[12][0-9]|0[1-9]|[1-9])",
            ["DAY"] = @"\b(?i:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b",
            ["YEAR"] = "(?:[0-9]{4}|[0-9]{2})",
            ["HOUR"] = "(?:2[0-3]|[01]?[0-9])",
            ["MINUTE"] = "[0-5][0-9]",
            ["SECOND"] = "(?:60|[0-5]?[0-9])(?:[:.,][0-9]+)?",
            ["TIME"] = "(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})?(?![0-9])",
            ["ISO8601_TIMEZONE"] = "(?:Z|[+-]%{HOUR}(?::?%{MINUTE})?)",
            ["TIMESTAMP_ISO8601"] = "%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?",
            ["DATE_US"] = "%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}",
            ["DATE_EU"] = "%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}",
            ["HTTPDATE"] = "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}",
            ["SYSLOGTIMESTAMP"] = "%{MONTH} +%{MONTHDAY} %{TIME}",

            // Levels and syslog
            ["LOGLEVEL"] = @"\b(?i:trace|debug|info(?:rmation)?|notice|warn(?:ing)?|err(?:or)?|crit(?:ical)?|alert|fatal|severe|emerg(?:ency)?)\b",
            ["PROG"] = @"[^\s\[\]:]+",
            ["SYSLOGPROG"] = @"%{PROG:program}(?:\[%{POSINT:pid}\])?",
            ["SYSLOGHOST"] = "%{IPORHOST}",
            ["SYSLOGFACILITY"] = "<%{NONNEGINT:facility}.%{NONNEGINT:priority}>",
            ["SYSLOGBASE"] = "%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:",
            ["SYSLOGLINE"] = "%{SYSLOGBASE} ?%{GREEDYDATA:message}",

            // Web servers
            ["COMMONAPACHELOG"] = "%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \\[%{HTTPDATE:timestamp}\\] \"(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})\" %{NUMBER:response} (?:%{NUMBER:bytes}|-)",
            ["COMBINEDAPACHELOG"] = "%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}",
        };
        return p;
    }

    /// <summary>IPv6 in full, compressed (<c>::</c>) and IPv4-embedded forms, with an optional zone id.</summary>
    private static string Ipv6()
    {
        const string h = "[0-9A-Fa-f]{1,4}";
        const string v4 = @"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
        var alternatives = new List<string>
        {
            $"(?:{h}:){{6}}{v4}",
            $"(?:(?:{h}:){{0,5}}{h})?::(?:{h}:){{0,4}}{v4}",
            $"(?:{h}:){{7}}{h}",
        };
        // left groups, "::", right groups with left + right <= 7.
        for (int left = 7; left >= 0; left--)
        {
            var sb = new StringBuilder();
            if (left > 0)
                sb.Append(left == 1 ? h : $"(?:{h}:){{{left - 1}}}{h}");
            sb.Append("::");
            int maxRight = 7 - left;
            if (maxRight > 0)
                sb.Append(maxRight == 1 ? $"(?:{h})?" : $"(?:{h}(?::{h}){{0,{maxRight - 1}}})?");
            alternatives.Add(sb.ToString());
        }
        return $"(?<![0-9A-Fa-f:])(?:{string.Join('|', alternatives)})(?:%[0-9A-Za-z._-]+)?(?![0-9A-Fa-f:])";
    }
}
