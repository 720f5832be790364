namespace IngestHub.Connectors.Redis.Resp;

/// <summary>A command and its arguments, e.g. <c>new RedisCommand("RPUSH", key, json)</c>.</summary>
public readonly struct RedisCommand
{
    public RedisCommand(params RedisArg[] args)
    {
        if (args.Length == 0)
            throw new ArgumentException("a command needs at least its name", nameof(args));
        Args = args;
    }

    public RedisArg[] Args { get; }

    public string Name => Args[0].ToString();

    public override string ToString() => string.Join(' ', Args);
}
