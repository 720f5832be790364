using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// ARRAY / COMPACT_ARRAY fields. Every read passes the smallest possible element size to
/// <see cref="KafkaReader.ReadArrayLength"/> so a hostile count fails before anything is allocated.
/// </summary>
internal static class WireArrays
{
    public static List<T> Read<T>(ref KafkaReader reader, short version, int minElementSize, bool compact = false)
        where T : IWireElement<T> =>
        ReadNullable<T>(ref reader, version, minElementSize, compact) ?? throw NullArray();

    public static List<T>? ReadNullable<T>(ref KafkaReader reader, short version, int minElementSize, bool compact = false)
        where T : IWireElement<T>
    {
        int count = reader.ReadArrayLength(compact, minElementSize);
        if (count < 0)
            return null;
        var list = new List<T>(count);
        for (int i = 0; i < count; i++)
            list.Add(T.Read(ref reader, version));
        return list;
    }

    public static void Write<T>(KafkaWriter writer, List<T>? items, short version, bool compact = false)
        where T : IWireElement<T>
    {
        if (items is null)
        {
            writer.WriteArrayLength(-1, compact);
            return;
        }
        writer.WriteArrayLength(items.Count, compact);
        foreach (var item in items)
            item.Write(writer, version);
    }

    public static List<int> ReadInt32s(ref KafkaReader reader) => ReadNullableInt32s(ref reader) ?? throw NullArray();

    public static List<int>? ReadNullableInt32s(ref KafkaReader reader)
    {
        int count = reader.ReadArrayLength(false, 4);
        if (count < 0)
            return null;
        var list = new List<int>(count);
        for (int i = 0; i < count; i++)
            list.Add(reader.ReadInt32());
        return list;
    }

    public static void WriteInt32s(KafkaWriter writer, List<int>? items)
    {
        writer.WriteArrayLength(items?.Count ?? -1, false);
        if (items is null)
            return;
        foreach (int item in items)
            writer.WriteInt32(item);
    }

    public static List<long> ReadInt64s(ref KafkaReader reader)
    {
        int count = reader.ReadArrayLength(false, 8);
        if (count < 0)
            throw NullArray();
        var list = new List<long>(count);
        for (int i = 0; i < count; i++)
            list.Add(reader.ReadInt64());
        return list;
    }

    public static void WriteInt64s(KafkaWriter writer, List<long> items)
    {
        writer.WriteArrayLength(items.Count, false);
        foreach (long item in items)
            writer.WriteInt64(item);
    }

    public static List<string> ReadStrings(ref KafkaReader reader) => ReadNullableStrings(ref reader) ?? throw NullArray();

    public static List<string>? ReadNullableStrings(ref KafkaReader reader)
    {
        int count = reader.ReadArrayLength(false, 2);
        if (count < 0)
            return null;
        var list = new List<string>(count);
        for (int i = 0; i < count; i++)
            list.Add(reader.ReadString());
        return list;
    }

    public static void WriteStrings(KafkaWriter writer, List<string>? items)
    {
        writer.WriteArrayLength(items?.Count ?? -1, false);
        if (items is null)
            return;
        foreach (string item in items)
            writer.WriteString(item);
    }

    private static MalformedMessageException NullArray() => new("null array where a non-null array is required");
}
