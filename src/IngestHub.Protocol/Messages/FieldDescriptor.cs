namespace IngestHub.Protocol.Messages;

/// <summary>
/// One declared field: its property name, wire type (bool, int8…int64, uint16, float64, string, bytes, records,
/// uuid, error, apikey, or a struct name), whether it is an array, the versions it exists in and is nullable in
/// (empty when Since &gt; Until), its tag (-1 when not tagged) and the struct it holds.
/// </summary>
public sealed record FieldDescriptor(string Name, string WireType, bool IsArray, short Since, short Until, short NullableSince, short NullableUntil, int Tag, StructDescriptor? Struct)
{
    public bool ExistsIn(short version) => version >= Since && version <= Until;
    public bool IsNullableIn(short version) => version >= NullableSince && version <= NullableUntil;
    public bool IsTagged => Tag >= 0;
}
