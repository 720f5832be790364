using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Messages;

namespace IngestHub.Protocol.Tests.Messages.Declared;

/// <summary>
/// FsCheck generators built from the declarations (<see cref="MessageCatalog"/>): a message of any declared type
/// whose fields that exist at the version hold random values of their wire type — null only where the version
/// allows it, tagged fields present or absent — and whose other fields keep their defaults.
/// </summary>
internal static class DeclaredMessageGen
{
    private const int MaxDepth = 4;

    public static Gen<object> For(MessageDescriptor message, short version) => Struct(message.Body, version, 0);

    private static Gen<object> Struct(StructDescriptor descriptor, short version, int depth)
    {
        var values = Gen.Constant(new List<(FieldDescriptor, object?)>());
        foreach (var field in descriptor.Fields)
        {
            if (!field.ExistsIn(version))
                continue;
            var fieldGen = Field(field, version, depth);
            values = values.SelectMany(list => fieldGen.Select(value => Append(list, field, value)));
        }
        return values.Select(list =>
        {
            object instance = Activator.CreateInstance(descriptor.Type)!;
            foreach (var (field, value) in list)
                descriptor.Type.GetProperty(field.Name)!.SetValue(instance, value);
            return instance;
        });
    }

    private static List<(FieldDescriptor, object?)> Append(List<(FieldDescriptor, object?)> list, FieldDescriptor field, object? value) =>
        [.. list, (field, value)];

    private static Gen<object?> Field(FieldDescriptor field, short version, int depth)
    {
        Gen<object?> present = field.IsArray ? Array(field, version, depth) : Single(field, version, depth);
        bool mayBeNull = field.IsNullableIn(version) || (field.IsTagged && field.Struct is not null && !field.IsArray);
        return mayBeNull ? Gen.Frequency((1, Gen.Constant<object?>(null)), (3, present)) : present;
    }

    private static Gen<object?> Array(FieldDescriptor field, short version, int depth)
    {
        var elementType = ElementType(field);
        int max = depth >= MaxDepth ? 0 : 3;
        var element = Single(field, version, depth + 1);
        return Gen.Choose(0, max).SelectMany(n => element.ListOf(n)).Select(items =>
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            foreach (object? item in items)
                list.Add(item);
            return (object?)list;
        });
    }

    private static Gen<object?> Single(FieldDescriptor field, short version, int depth)
    {
        if (field.Struct is not null)
            return Struct(field.Struct, version, depth + 1).Select(o => (object?)o);
        var ints = ArbMap.Default.ArbFor<int>().Generator;
        var longs = ArbMap.Default.ArbFor<long>().Generator;
        var bytes = ArbMap.Default.ArbFor<byte[]>().Generator;
        return field.WireType switch
        {
            "bool" => ArbMap.Default.ArbFor<bool>().Generator.Select(v => (object?)v),
            "int8" => ArbMap.Default.ArbFor<sbyte>().Generator.Select(v => (object?)v),
            "int16" => ArbMap.Default.ArbFor<short>().Generator.Select(v => (object?)v),
            "uint16" => ArbMap.Default.ArbFor<ushort>().Generator.Select(v => (object?)v),
            "int32" => ints.Select(v => (object?)v),
            "int64" => longs.Select(v => (object?)v),
            "float64" => ArbMap.Default.ArbFor<NormalFloat>().Generator.Select(v => (object?)v.Get),
            "uuid" => ArbMap.Default.ArbFor<Guid>().Generator.Select(v => (object?)v),
            "error" => ArbMap.Default.ArbFor<short>().Generator.Select(v => (object?)(ErrorCode)v),
            "apikey" => ArbMap.Default.ArbFor<short>().Generator.Select(v => (object?)(ApiKey)v),
            "string" => ArbMap.Default.ArbFor<NonNull<string>>().Generator.Select(v => (object?)Utf8Safe(v.Get)),
            "bytes" => bytes.Select(v => (object?)new ReadOnlyMemory<byte>(v)),
            "records" => bytes.Select(v => (object?)new MemoryRecordsPayload(v)),
            _ => throw new InvalidOperationException($"no generator for {field.WireType}"),
        };
    }

    private static Type ElementType(FieldDescriptor field) => field.Struct?.Type ?? field.WireType switch
    {
        "bool" => typeof(bool),
        "int8" => typeof(sbyte),
        "int16" => typeof(short),
        "uint16" => typeof(ushort),
        "int32" => typeof(int),
        "int64" => typeof(long),
        "float64" => typeof(double),
        "uuid" => typeof(Guid),
        "error" => typeof(ErrorCode),
        "apikey" => typeof(ApiKey),
        "string" => typeof(string),
        "bytes" => typeof(ReadOnlyMemory<byte>),
        _ => throw new InvalidOperationException($"no element type for {field.WireType}"),
    };

    // Lone surrogates have no UTF-8 form, so the wire cannot carry them.
    private static string Utf8Safe(string s) => string.Concat(s.Where(ch => !char.IsSurrogate(ch)));
}
