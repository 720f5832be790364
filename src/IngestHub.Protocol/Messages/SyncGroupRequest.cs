using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>SyncGroup request (key 14), v0–3. Only the leader sends assignments; followers send none.</summary>
public sealed class SyncGroupRequest : IKafkaMessage<SyncGroupRequest>
{
    public static ApiKey ApiKey => ApiKey.SyncGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public string GroupId { get; set; } = "";
    public int GenerationId { get; set; }
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public string? GroupInstanceId { get; set; }
    public List<Assignment> Assignments { get; set; } = [];

    public sealed class Assignment
    {
        public string MemberId { get; set; } = "";
        public ReadOnlyMemory<byte> Bytes { get; set; }
    }

    public static SyncGroupRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new SyncGroupRequest
        {
            GroupId = reader.ReadString(),
            GenerationId = reader.ReadInt32(),
            MemberId = reader.ReadString(),
        };
        if (version >= 3)
            message.GroupInstanceId = reader.ReadNullableString();
        int count = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        var assignments = new List<Assignment>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            assignments.Add(new Assignment { MemberId = reader.ReadString(), Bytes = reader.ReadBytes() });
        message.Assignments = assignments;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(GroupId);
        writer.WriteInt32(GenerationId);
        writer.WriteString(MemberId);
        if (version >= 3)
            writer.WriteNullableString(GroupInstanceId);
        writer.WriteArrayLength(Assignments.Count, false);
        foreach (var assignment in Assignments)
        {
            writer.WriteString(assignment.MemberId);
            writer.WriteBytes(assignment.Bytes.Span);
        }
    }
}
