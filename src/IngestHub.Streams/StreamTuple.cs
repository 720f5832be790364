using System.Globalization;
using System.Text;

namespace IngestHub.Streams;

/// <summary>
/// One tuple as a bolt receives it: the values of its stream's fields, where it came from (component, task,
/// stream) and, for reliable processing, the ids of the spout tuples whose trees it belongs to. A tuple is owned by
/// the task that received it; read it there.
/// </summary>
public sealed class StreamTuple
{
    private readonly StreamSchema _schema;
    private readonly object?[] _values;

    // Anchors (root id → this tuple's id in that root's tree). One root is the common case and needs no array.
    private int _anchorCount;
    private long _root0;
    private long _id0;
    private long[]? _moreAnchors; // (root, id) pairs for anchors 2..n

    internal StreamTuple(StreamSchema schema, int sourceTask, object?[] values, TupleSource? source)
    {
        _schema = schema;
        SourceTask = sourceTask;
        _values = values;
        Source = source;
    }

    public string SourceComponent => _schema.ComponentId;

    public int SourceTask { get; }

    public string SourceStreamId => _schema.StreamId;

    public Fields Fields => _schema.Fields;

    public StreamSchema Schema => _schema;

    public int Size => _values.Length;

    public IReadOnlyList<object?> Values => _values;

    /// <summary>The source record this tuple derives from, when known (see <see cref="TupleSource"/>).</summary>
    public TupleSource? Source { get; }

    /// <summary>True for a tick tuple (<c>__tick</c> from <c>__system</c>).</summary>
    public bool IsTick => ReferenceEquals(_schema, StreamSchema.Tick);

    /// <summary>True when the tuple is part of at least one tracked tree (acking it matters).</summary>
    public bool IsAnchored => _anchorCount > 0;

    public object? this[int index] => _values[index];

    public object? this[string field] => _values[_schema.Fields.FieldIndex(field)];

    public bool Contains(string field) => _schema.Fields.Contains(field);

    public object? GetValue(int index) => _values[index];

    public object? GetValueByField(string field) => _values[_schema.Fields.FieldIndex(field)];

    public T? GetValue<T>(string field) => _values[_schema.Fields.FieldIndex(field)] is T t ? t : default;

    public string? GetString(int index) => AsString(_values[index]);

    public string? GetStringByField(string field) => AsString(GetValueByField(field));

    public long GetLong(int index) => AsLong(_values[index], index);

    public long GetLongByField(string field) => AsLong(GetValueByField(field), _schema.Fields.FieldIndex(field));

    public int GetInteger(int index) => checked((int)GetLong(index));

    public int GetIntegerByField(string field) => checked((int)GetLongByField(field));

    public double GetDouble(int index) => Convert.ToDouble(_values[index], CultureInfo.InvariantCulture);

    public double GetDoubleByField(string field) => Convert.ToDouble(GetValueByField(field), CultureInfo.InvariantCulture);

    public bool GetBoolean(int index) => Convert.ToBoolean(_values[index], CultureInfo.InvariantCulture);

    public byte[]? GetBinary(int index) => _values[index] as byte[];

    public byte[]? GetBinaryByField(string field) => GetValueByField(field) as byte[];

    /// <summary>Values as text: strings as they are, byte arrays as UTF-8, others by invariant culture.</summary>
    public static string? AsString(object? value) => value switch
    {
        null => null,
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static long AsLong(object? value, int index) => value switch
    {
        long l => l,
        int i => i,
        short s => s,
        byte b => b,
        uint u => u,
        string text when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
        IConvertible c => c.ToInt64(CultureInfo.InvariantCulture),
        _ => throw new InvalidCastException($"value {index} ({value?.GetType().Name ?? "null"}) is not an integer"),
    };

    // ---- reliability (owned by the receiving task's thread) ----

    /// <summary>XOR of the ids of the tuples emitted anchored to this one; sent with its ack.</summary>
    internal long AckVal;

    /// <summary>0 until the input is acked (1) or failed (2): a second ack or fail is ignored.</summary>
    internal byte AckState;

    /// <summary>Emits anchored to this input so far (lineage indexes of the derived tuples).</summary>
    internal int EmitOrdinal;

    /// <summary>Stopwatch timestamp when Execute started (0 when this tuple is not sampled for latency).</summary>
    internal long ExecuteStarted;

    internal int AnchorCount => _anchorCount;

    internal void AddAnchor(long root, long id)
    {
        for (int i = 0; i < _anchorCount; i++)
        {
            if (GetRoot(i) == root)
            {
                SetId(i, GetId(i) ^ id);
                return;
            }
        }
        if (_anchorCount == 0)
        {
            _root0 = root;
            _id0 = id;
        }
        else
        {
            int slot = (_anchorCount - 1) * 2;
            if (_moreAnchors is null || _moreAnchors.Length < slot + 2)
                Array.Resize(ref _moreAnchors, Math.Max(4, slot * 2 + 2));
            _moreAnchors[slot] = root;
            _moreAnchors[slot + 1] = id;
        }
        _anchorCount++;
    }

    internal long GetRoot(int i) => i == 0 ? _root0 : _moreAnchors![(i - 1) * 2];

    internal long GetId(int i) => i == 0 ? _id0 : _moreAnchors![(i - 1) * 2 + 1];

    private void SetId(int i, long id)
    {
        if (i == 0)
            _id0 = id;
        else
            _moreAnchors![(i - 1) * 2 + 1] = id;
    }

    internal static StreamTuple NewTick(int frequencySeconds) => new(StreamSchema.Tick, TopologyConstants.SystemTaskId, [frequencySeconds], null);

    public override string ToString() => $"source: {SourceComponent}:{SourceTask}, stream: {SourceStreamId}, values: [{string.Join(", ", _values.Select(AsString))}]";
}
