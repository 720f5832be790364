using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeLogDirs (key 35): the broker's one data directory, the size of every partition in it (or of
/// those asked for; unknown ones are left out, as Kafka does) and, from v4, the file system's total and usable
/// bytes. Partitions are never moving between directories, so no future replica and no lag is reported.</summary>
public sealed class DescribeLogDirsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>
{
    protected override ValueTask<DescribeLogDirsResponse?> HandleAsync(RequestContext request, DescribeLogDirsRequest message, CancellationToken cancellationToken)
    {
        if (!request.IsAllowedOnCluster(Protocol.Acls.AclOperation.Describe))
        {
            // v3+ says why; earlier versions get no log directories, as Kafka answers them.
            return ValueTask.FromResult<DescribeLogDirsResponse?>(new DescribeLogDirsResponse { ErrorCode = ErrorCode.ClusterAuthorizationFailed });
        }
        string directory = Path.GetFullPath(options.DataDir);
        var result = new DescribeLogDirsResponse.Result { LogDir = directory };
        try
        {
            var drive = new DriveInfo(directory);
            result.TotalBytes = drive.TotalSize;
            result.UsableBytes = drive.AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            result.ErrorCode = ErrorCode.KafkaStorageError;
        }
        if (message.Topics is null)
        {
            var all = new List<TopicState>(topics.Topics);
            all.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var topic in all)
                result.Topics.Add(Describe(topic, null));
        }
        else
        {
            foreach (var wanted in message.Topics)
            {
                if (topics.TryGetTopic(wanted.Name, out var topic))
                    result.Topics.Add(Describe(topic, wanted.Partitions));
            }
        }
        var response = new DescribeLogDirsResponse();
        response.Results.Add(result);
        return ValueTask.FromResult<DescribeLogDirsResponse?>(response);
    }

    private static DescribeLogDirsResponse.Topic Describe(TopicState topic, List<int>? wanted)
    {
        var result = new DescribeLogDirsResponse.Topic { Name = topic.Name };
        foreach (var partition in topic.Partitions)
        {
            if (wanted is not null && !wanted.Contains(partition.Index))
                continue;
            long size;
            try
            {
                size = partition.Log.Size;
            }
            catch (ObjectDisposedException)
            {
                continue;
            }
            result.Partitions.Add(new DescribeLogDirsResponse.Partition { PartitionIndex = partition.Index, PartitionSize = size });
        }
        return result;
    }
}
