using System.Collections.Concurrent;

namespace IngestHub.Streams.Tests;

/// <summary>What a <see cref="NumberSpout"/> observed: acks and fails per message id, and which task emitted,
/// acked and failed each id (they must be the same task).</summary>
public sealed class SpoutLog
{
    public ConcurrentDictionary<long, int> EmittedBy { get; } = new();
    public ConcurrentDictionary<long, int> AckedBy { get; } = new();
    public ConcurrentDictionary<long, int> FailedBy { get; } = new();
    public ConcurrentQueue<long> Fails { get; } = new();
    public int MaxPendingSeen;
    public int Concurrent;
    public int MaxConcurrent;
    public ConcurrentDictionary<int, byte> Threads { get; } = new();

    public void Enter()
    {
        int now = Interlocked.Increment(ref Concurrent);
        int seen;
        while (now > (seen = Volatile.Read(ref MaxConcurrent)) && Interlocked.CompareExchange(ref MaxConcurrent, now, seen) != seen)
        {
        }
        Threads.TryAdd(Environment.CurrentManagedThreadId, 0);
    }

    public void Exit() => Interlocked.Decrement(ref Concurrent);
}

/// <summary>Emits (id, key) for ids task, task + tasks, … below <c>count</c> (all tasks together emit 0..count-1),
/// with the id as message id; replays failed ids when <c>replay</c> is set.</summary>
public sealed class NumberSpout(SpoutLog log, long count, int keys = 10, bool replay = false, bool reliable = true) : BaseRichSpout
{
    private readonly Queue<long> _replays = new();
    private ISpoutOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private long _next;
    private long _step;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("id", "key"));

    public override void Open(TopologyContext context, ISpoutOutputCollector collector)
    {
        log.Enter();
        _context = context;
        _collector = collector;
        _next = context.ThisTaskIndex;
        _step = context.ThisComponentTasks.Count;
        log.Exit();
    }

    public override void NextTuple()
    {
        log.Enter();
        try
        {
            int pending = _collector.Pending;
            int seen;
            while (pending > (seen = Volatile.Read(ref log.MaxPendingSeen)) && Interlocked.CompareExchange(ref log.MaxPendingSeen, pending, seen) != seen)
            {
            }
            long id;
            if (_replays.Count > 0)
                id = _replays.Dequeue();
            else if (_next < count)
            {
                id = _next;
                _next += _step;
            }
            else
                return;
            log.EmittedBy[id] = _context.ThisTaskIndex;
            _collector.Emit(new Values(id, "k" + (id % keys)), reliable ? id : null);
        }
        finally
        {
            log.Exit();
        }
    }

    public override void Ack(object messageId)
    {
        log.Enter();
        log.AckedBy[(long)messageId] = _context.ThisTaskIndex;
        log.Exit();
    }

    public override void Fail(object messageId)
    {
        log.Enter();
        long id = (long)messageId;
        log.FailedBy[id] = _context.ThisTaskIndex;
        log.Fails.Enqueue(id);
        if (replay)
            _replays.Enqueue(id);
        log.Exit();
    }
}

/// <summary>Records which task got each tuple (by key) and acks; optionally fails or drops some ids.</summary>
public sealed class RecordingBolt(ConcurrentQueue<(int Task, string Key, long Id)> seen, Func<long, bool>? fail = null, Func<long, bool>? drop = null) : BaseRichBolt
{
    private IOutputCollector _collector = null!;
    private int _task;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _task = context.ThisTaskIndex;
    }

    public override void Execute(StreamTuple input)
    {
        long id = input.GetLongByField("id");
        seen.Enqueue((_task, input.GetStringByField("key")!, id));
        if (fail?.Invoke(id) == true)
            _collector.Fail(input);
        else if (drop?.Invoke(id) != true)
            _collector.Ack(input);
    }
}

/// <summary>Emits each input twice, anchored, then acks it (a tree of three tuples per spout tuple).</summary>
public sealed class SplitBolt : BaseRichBolt
{
    private IOutputCollector _collector = null!;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("id", "key"));

    public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(StreamTuple input)
    {
        _collector.Emit(input, new Values(input.GetLong(0), input.GetString(1) + "a"));
        _collector.Emit(input, new Values(input.GetLong(0), input.GetString(1) + "b"));
        _collector.Ack(input);
    }
}
