using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Runtime;
using IngestHub.Storage;
using Microsoft.Extensions.Logging;

namespace IngestHub.Autoscaler;

/// <summary>
/// The spill state of every target, one JSON file each under the autoscaler's directory, written through
/// <see cref="AtomicFile"/> (temp file, fsync, rename, fsync of the directory) before the phase it records takes effect. Also tells
/// the connector registry how a connector must start while its spill is under way.
/// </summary>
public sealed class SpillStateStore : IConnectorModeSource
{
    private readonly string _directory;
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly ConcurrentDictionary<(string Kind, string Target), SpillState> _states = new();

    public SpillStateStore(string directory, ILogger logger)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            try
            {
                var state = SpillState.FromJson(JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new FormatException("not a JSON object"));
                _states[(state.Kind, state.Target)] = state;
            }
            catch (Exception ex) when (ex is JsonException or FormatException or IOException or InvalidOperationException or NullReferenceException)
            {
                logger.LogError(ex, "Unreadable spill state file {File}: its target starts without a spill", file);
            }
        }
    }

    public SpillState? Get(string kind, string target) => _states.TryGetValue((kind, target), out var state) ? state : null;

    public IEnumerable<SpillState> All => _states.Values;

    public void Save(SpillState state)
    {
        AtomicFile.WriteAllText(Path.Combine(_directory, FileName(state.Kind, state.Target)), state.ToJson().ToJsonString(s_indented));
        _states[(state.Kind, state.Target)] = state;
    }

    public void Delete(string kind, string target)
    {
        File.Delete(Path.Combine(_directory, FileName(kind, target)));
        AtomicFile.FsyncDirectory(_directory);
        _states.TryRemove((kind, target), out _);
    }

    /// <summary>Relaying → relay to the recorded spill topics; draining → hold the source; otherwise process.</summary>
    public (ConnectorMode Mode, SpillRoute? Route) StartMode(string connector) =>
        Get(ConnectorTarget.TargetKind, connector) switch
        {
            { Phase: SpillPhase.Relaying } state => (ConnectorMode.Relay, new SpillRoute(state.Topics)),
            { Phase: SpillPhase.Draining } => (ConnectorMode.Hold, null),
            _ => (ConnectorMode.Process, null),
        };

    private static string FileName(string kind, string target) => $"{kind}-{target}.json";
}
