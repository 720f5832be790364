using IngestHub.Protocol;

namespace IngestHub.Broker.Handlers;

/// <summary>The check a leader makes of the leader epoch a client believes current (Fetch, ListOffsets,
/// OffsetForLeaderEpoch): -1 skips it.</summary>
public static class LeaderEpochs
{
    public static ErrorCode Check(int clientEpoch, int leaderEpoch) =>
        clientEpoch < 0 || clientEpoch == leaderEpoch ? ErrorCode.None
        : clientEpoch < leaderEpoch ? ErrorCode.FencedLeaderEpoch
        : ErrorCode.UnknownLeaderEpoch;
}
