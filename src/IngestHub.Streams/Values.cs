namespace IngestHub.Streams;

/// <summary>The values of one emitted tuple, in the order of the stream's declared fields
/// (<c>collector.Emit(new Values(word, count))</c>). The array is handed to the tuples as is: do not change it
/// after emitting.</summary>
public readonly struct Values
{
    private readonly object?[]? _items;

    public Values(params object?[] items) => _items = items;

    public int Count => _items?.Length ?? 0;

    public object? this[int index] => (_items ?? [])[index];

    internal object?[] Items => _items ?? [];

    public static implicit operator Values(object?[] items) => new(items);

    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}
