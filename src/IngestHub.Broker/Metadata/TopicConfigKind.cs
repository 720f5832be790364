namespace IngestHub.Broker.Metadata;

/// <summary>The value types of topic configs, numbered as DescribeConfigs reports them.</summary>
public enum TopicConfigKind : sbyte
{
    Boolean = 1,
    String = 2,
    Int = 3,
    Long = 5,
    Double = 6,
    List = 7,
}
