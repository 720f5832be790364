using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Pipelines.Tests;

/// <summary>The example pipelines shipped in deploy/ must stay valid as the definition format evolves.</summary>
public sealed class DeployExamplesTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "deploy", "config", "pipelines"), "*.yaml"))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_pipeline_parses_and_compiles(string file)
    {
        string yaml = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "config", "pipelines", file));
        var definition = PipelineDefinition.FromYaml(yaml, ["redis", "elasticsearch"]);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), definition.Name);
        Assert.NotNull(Pipeline.Compile(definition));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IngestHub.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
