using System.Globalization;

namespace IngestHub.Broker.Metadata;

/// <summary>
/// One topic config Kafka defines: its name, type, Kafka's default, the range or values it accepts, and whether
/// this broker acts on it (others are accepted, stored and reported, so tools that set them keep working).
/// </summary>
public sealed record TopicConfigDefinition(string Name, TopicConfigKind Kind, string Default, bool Applied,
    double Min = double.MinValue, double Max = double.MaxValue, IReadOnlyList<string>? Allowed = null)
{
    /// <summary>Null when <paramref name="value"/> is acceptable, else Kafka's style of reason.</summary>
    public string? Validate(string value)
    {
        switch (Kind)
        {
            case TopicConfigKind.Boolean:
                return value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
                    ? null : Invalid(value, "Expected value to be either true or false");
            case TopicConfigKind.Int:
                return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? InRange(value, i) : Invalid(value, "Not a number of type INT");
            case TopicConfigKind.Long:
                return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? InRange(value, l) : Invalid(value, "Not a number of type LONG");
            case TopicConfigKind.Double:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? InRange(value, d) : Invalid(value, "Not a number of type DOUBLE");
            case TopicConfigKind.List:
                if (Allowed is null)
                    return null;
                foreach (string item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    if (!Allowed.Contains(item))
                        return Invalid(value, $"String must be one of: {string.Join(", ", Allowed)}");
                return null;
            default:
                return Allowed is null || Allowed.Contains(value) ? null : Invalid(value, $"String must be one of: {string.Join(", ", Allowed)}");
        }
    }

    private string? InRange(string text, double value)
    {
        if (value < Min)
            return Invalid(text, $"Value must be at least {Min.ToString(CultureInfo.InvariantCulture)}");
        if (value > Max)
            return Invalid(text, $"Value must be no more than {Max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private string Invalid(string value, string why) => $"Invalid value {value} for configuration {Name}: {why}";
}
