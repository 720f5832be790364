namespace IngestHub.Pipelines.Filters;

/// <summary>The <c>:int</c> / <c>:float</c> suffix of <c>%{PATTERN:field:type}</c>.</summary>
public enum GrokValueType
{
    String,
    Int,
    Float,
}
