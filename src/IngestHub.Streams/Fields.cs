using System.Collections;

namespace IngestHub.Streams;

/// <summary>The ordered field names of a stream; a tuple's values are read by position or by these names.</summary>
public sealed class Fields : IReadOnlyList<string>, IEquatable<Fields>
{
    public static readonly Fields Empty = new();

    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    public Fields(params string[] names) : this((IEnumerable<string>)names) { }

    public Fields(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        _index = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (int i = 0; i < _names.Length; i++)
        {
            if (string.IsNullOrEmpty(_names[i]))
                throw new ArgumentException("a field name must not be empty", nameof(names));
            if (!_index.TryAdd(_names[i], i))
                throw new ArgumentException($"field '{_names[i]}' is declared twice", nameof(names));
        }
    }

    public int Count => _names.Length;

    public string this[int index] => _names[index];

    /// <summary>The position of <paramref name="field"/>, or -1.</summary>
    public int IndexOf(string field) => _index.TryGetValue(field, out int i) ? i : -1;

    /// <summary>The position of <paramref name="field"/>; throws naming the fields there are.</summary>
    public int FieldIndex(string field) =>
        _index.TryGetValue(field, out int i) ? i : throw new ArgumentException($"no field '{field}' (fields: {this})", nameof(field));

    public bool Contains(string field) => _index.ContainsKey(field);

    /// <summary>Positions of <paramref name="selector"/>'s fields in this one.</summary>
    public int[] IndexesOf(Fields selector)
    {
        var result = new int[selector.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = FieldIndex(selector[i]);
        return result;
    }

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _names.GetEnumerator();

    public bool Equals(Fields? other) => other is not null && _names.AsSpan().SequenceEqual(other._names);

    public override bool Equals(object? obj) => obj is Fields f && Equals(f);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var name in _names)
            hash.Add(name, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _names) + "]";
}
