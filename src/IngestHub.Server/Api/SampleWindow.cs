using System.Globalization;

namespace IngestHub.Server.Api;

/// <summary>Parses history windows such as <c>30s</c>, <c>15m</c>, <c>1h</c> (a bare number is seconds).</summary>
public static class SampleWindow
{
    public static bool TryParse(string? text, out TimeSpan window)
    {
        window = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        char unit = char.ToLowerInvariant(text[^1]);
        string digits = char.IsDigit(unit) ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long amount) || amount <= 0 || amount > 10_000_000)
            return false;
        window = unit switch
        {
            's' or >= '0' and <= '9' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => TimeSpan.Zero,
        };
        return window > TimeSpan.Zero;
    }
}
