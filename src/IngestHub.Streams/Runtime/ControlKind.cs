namespace IngestHub.Streams.Runtime;

/// <summary>Messages of the acking protocol (to acker tasks) and its outcomes (to the task that rooted a tree).</summary>
internal enum ControlKind : byte
{
    /// <summary>To an acker: a tree was rooted; value = XOR of the ids sent, task = the rooting task.</summary>
    Init,

    /// <summary>To an acker: a tuple was acked; value = its id XOR the ids emitted anchored to it.</summary>
    Ack,

    /// <summary>To an acker: a tuple of the tree failed.</summary>
    Fail,

    /// <summary>To an acker: restart the tree's timeout.</summary>
    Reset,

    /// <summary>To the rooting task: the tree completed.</summary>
    TreeAcked,

    /// <summary>To the rooting task: the tree failed.</summary>
    TreeFailed,

    /// <summary>To the rooting task: restart the tree's timeout.</summary>
    TreeReset,
}
