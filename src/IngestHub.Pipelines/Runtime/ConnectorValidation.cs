namespace IngestHub.Pipelines.Runtime;

/// <summary>The result of validating a connector configuration: every setting of the sink type's schema with its
/// value and errors, in schema order, followed by keys that belong to no setting.</summary>
public sealed record ConnectorValidation(string Type, IReadOnlyList<SettingValidation> Settings)
{
    public int ErrorCount => Settings.Sum(s => s.Errors.Count);

    public bool IsValid => ErrorCount == 0;
}
