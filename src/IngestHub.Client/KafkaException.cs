using IngestHub.Protocol;

namespace IngestHub.Client;

/// <summary>A failed Kafka operation: the broker's error code (or a client-side equivalent such as
/// <see cref="ErrorCode.RequestTimedOut"/> or <see cref="ErrorCode.NetworkException"/>) and whether retrying can help.</summary>
public sealed class KafkaException : Exception
{
    public KafkaException(ErrorCode errorCode, string? message = null, Exception? innerException = null)
        : base(message ?? $"Kafka error {errorCode} ({(short)errorCode})", innerException)
    {
        ErrorCode = errorCode;
    }

    public KafkaException() : this(ErrorCode.UnknownServerError) { }

    public KafkaException(string message) : this(ErrorCode.UnknownServerError, message) { }

    public KafkaException(string message, Exception innerException) : this(ErrorCode.UnknownServerError, message, innerException) { }

    public ErrorCode ErrorCode { get; }

    /// <summary>True when the same request may succeed later (Kafka's RetriableException family).</summary>
    public bool IsRetriable => IsRetriableCode(ErrorCode);

    /// <summary>Kafka's retriable error codes (those whose Java exception extends RetriableException).</summary>
    public static bool IsRetriableCode(ErrorCode code) => code switch
    {
        ErrorCode.CorruptMessage
            or ErrorCode.UnknownTopicOrPartition
            or ErrorCode.LeaderNotAvailable
            or ErrorCode.NotLeaderOrFollower
            or ErrorCode.RequestTimedOut
            or ErrorCode.ReplicaNotAvailable
            or ErrorCode.NetworkException
            or ErrorCode.CoordinatorLoadInProgress
            or ErrorCode.CoordinatorNotAvailable
            or ErrorCode.NotCoordinator
            or ErrorCode.NotEnoughReplicas
            or ErrorCode.NotEnoughReplicasAfterAppend
            or ErrorCode.RebalanceInProgress
            or ErrorCode.NotController
            or ErrorCode.KafkaStorageError
            or ErrorCode.FetchSessionIdNotFound
            or ErrorCode.InvalidFetchSessionEpoch
            or ErrorCode.ConcurrentTransactions => true,
        _ => (short)code is 74 /* FENCED_LEADER_EPOCH */ or 75 /* UNKNOWN_LEADER_EPOCH */ or 78 /* OFFSET_NOT_AVAILABLE */
            or 89 /* THROTTLING_QUOTA_EXCEEDED */ or 99 /* UNSTABLE_OFFSET_COMMIT */,
    };

    /// <summary>Whether the error means the client's view of partition leadership is stale.</summary>
    internal static bool NeedsMetadataRefresh(ErrorCode code) =>
        code is ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownTopicOrPartition or ErrorCode.LeaderNotAvailable
            or ErrorCode.NetworkException or ErrorCode.ReplicaNotAvailable or ErrorCode.KafkaStorageError
        || (short)code is 74 or 75;

    internal static void ThrowIfError(ErrorCode code, string context)
    {
        if (code != ErrorCode.None)
            throw new KafkaException(code, $"{context}: {code} ({(short)code})");
    }
}
