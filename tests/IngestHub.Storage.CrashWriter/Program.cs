// Appends batches to a partition log in fsync-before-acknowledge mode and prints "ack <base> <last>" after
// each append returns, until killed. Used by the storage crash tests. "atomic-file <path> [count]" replaces one
// metadata file through AtomicFile instead (see AtomicFileWrites); "compact <dir> <segment-bytes> <bytes/s>" cleans
// a compacted log slowly (see CompactionRun).
using System.Buffers.Binary;
using System.Text;
using IngestHub.Protocol.Records;
using IngestHub.Storage;

if (args.Length >= 2 && args[0] == "atomic-file")
    return AtomicFileWrites.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue);
if (args.Length >= 4 && args[0] == "compact")
    return CompactionRun.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: CrashWriter <partition-dir> [segment-bytes]");
    return 2;
}
int segmentBytes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64 * 1024;
var config = new LogConfig { SegmentBytes = segmentBytes, FsyncBeforeAcknowledge = true };
using var log = PartitionLog.Open(args[0], config, cleanShutdown: false);
using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
stdout.WriteLine("ready " + log.LogEndOffset);
for (long i = 0; ; i++)
{
    byte[] batch = Batch("record-" + i, (int)(i % 5) + 1);
    var result = log.Append(batch);
    if (!result.Succeeded)
    {
        Console.Error.WriteLine("append failed: " + result.Error);
        return 1;
    }
    stdout.WriteLine($"ack {result.BaseOffset} {result.LastOffset}");
}

// One uncompressed batch of <count> records whose values are "<prefix>/<n>".
static byte[] Batch(string prefix, int count)
{
    var records = new List<byte>();
    for (int n = 0; n < count; n++)
    {
        byte[] value = Encoding.UTF8.GetBytes(prefix + "/" + n);
        var body = new List<byte> { 0 };
        Varint(body, 0);
        Varint(body, n);
        Varint(body, -1);
        Varint(body, value.Length);
        body.AddRange(value);
        Varint(body, 0);
        Varint(records, body.Count);
        records.AddRange(body);
    }
    var batch = new byte[RecordBatchHeader.Size + records.Count];
    var span = batch.AsSpan();
    BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - RecordBatchHeader.LogOverhead);
    span[16] = 2;
    BinaryPrimitives.WriteInt32BigEndian(span[23..], count - 1);
    long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    BinaryPrimitives.WriteInt64BigEndian(span[27..], now);
    BinaryPrimitives.WriteInt64BigEndian(span[35..], now);
    BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
    BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
    BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
    BinaryPrimitives.WriteInt32BigEndian(span[57..], count);
    records.CopyTo(batch, RecordBatchHeader.Size);
    BinaryPrimitives.WriteUInt32BigEndian(span[17..], RecordBatchHeader.ComputeCrc(batch));
    return batch;
}

static void Varint(List<byte> output, long value)
{
    ulong v = (ulong)((value << 1) ^ (value >> 63));
    while (v >= 0x80)
    {
        output.Add((byte)(v | 0x80));
        v >>= 7;
    }
    output.Add((byte)v);
}
