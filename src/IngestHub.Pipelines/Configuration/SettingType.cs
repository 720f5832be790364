namespace IngestHub.Pipelines.Configuration;

/// <summary>The value type of a connector setting, named as Kafka Connect's ConfigDef names them.</summary>
public enum SettingType
{
    String,
    Int,
    Long,
    Boolean,
    List,
    Password,
    Object,
}
