using System.Diagnostics;
using System.Formats.Tar;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using IngestHub.Testing.Docker;

namespace IngestHub.Testing.Redis;

/// <summary>
/// The Redis image the container fixtures run, built on this machine when missing (no registry is needed): a
/// minimal root filesystem holding the host's /usr/bin/redis-server, the shared libraries <c>ldd</c> lists for
/// it and a passwd/group pair, imported with the API equivalent of <c>tar … | docker import -</c> and tagged
/// <c>ingesthub-test/redis:&lt;redis version&gt;</c>.
/// </summary>
public static partial class RedisTestImage
{
    public const string Repository = "ingesthub-test/redis";
    private const string Server = "/usr/bin/redis-server";
    private static readonly Lazy<Task<string>> Image = new(EnsureImageAsync);

    /// <summary>The image name, importing it first if the engine does not have it.</summary>
    public static Task<string> EnsureAsync() => Image.Value;

    private static async Task<string> EnsureImageAsync()
    {
        string version = await RedisVersionAsync();
        string image = $"{Repository}:{version}";
        using var client = DockerEngine.CreateClient();
        try
        {
            await client.Images.InspectImageAsync(image);
            return image;
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        using var rootfs = new MemoryStream();
        await WriteRootFileSystemAsync(rootfs);
        rootfs.Position = 0;
        var parameters = new ImagesCreateParameters
        {
            FromSrc = "-",
            Repo = Repository,
            Tag = version,
            Changes = ["ENTRYPOINT [\"/usr/bin/redis-server\"]", "WORKDIR /data"],
        };
        await client.Images.CreateImageAsync(parameters, rootfs, null, new Progress<JSONMessage>());
        await client.Images.InspectImageAsync(image); // throws if the import did not produce it
        return image;
    }

    private static async Task<string> RedisVersionAsync()
    {
        var output = await RunAsync(Server, "--version");
        var match = VersionPattern().Match(output);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"cannot read the version from '{output.Trim()}'");
    }

    private static async Task WriteRootFileSystemAsync(Stream destination)
    {
        // redis-server is a symlink to redis-check-rdb, which picks its role from the name it was started as.
        string binary = File.ResolveLinkTarget(Server, returnFinalTarget: true)?.FullName ?? Server;
        var libraries = LibraryPattern().Matches(await RunAsync("ldd", binary)).Select(m => m.Groups[1].Value).Distinct().ToList();
        if (libraries.Count == 0)
            throw new InvalidOperationException($"ldd listed no libraries for {binary}");

        await using var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        async Task AddDirectoryAsync(string path, UnixFileMode mode)
        {
            if (path.Length == 0 || !directories.Add(path))
                return;
            await AddDirectoryAsync(Path.GetDirectoryName(path)!.TrimStart('/'), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, path + "/") { Mode = mode });
        }
        async Task AddFileAsync(string path, string source)
        {
            string name = path.TrimStart('/');
            await AddDirectoryAsync(Path.GetDirectoryName(name)!, Executable);
            await using var content = File.OpenRead(source);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = Executable, DataStream = content });
        }
        async Task AddTextAsync(string path, string text)
        {
            string name = path.TrimStart('/');
            await AddDirectoryAsync(Path.GetDirectoryName(name)!, Executable);
            using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, DataStream = content });
        }

        await AddFileAsync(binary, binary);
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, Server.TrimStart('/')) { LinkName = Path.GetFileName(binary), Mode = Executable });
        foreach (var library in libraries)
            await AddFileAsync(library, File.ResolveLinkTarget(library, returnFinalTarget: true)?.FullName ?? library);
        await AddTextAsync("/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nredis:x:999:999:redis:/data:/sbin/nologin\n");
        await AddTextAsync("/etc/group", "root:x:0:\nredis:x:999:\n");
        await AddDirectoryAsync("tmp", (UnixFileMode)Convert.ToInt32("1777", 8));
        await AddDirectoryAsync("data", (UnixFileMode)Convert.ToInt32("777", 8));
        await AddDirectoryAsync("tls", Executable);
    }

    private static UnixFileMode Executable =>
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static async Task<string> RunAsync(string file, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(file, [argument]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {argument} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    [GeneratedRegex(@"v=(\d+\.\d+\.\d+)")]
    private static partial Regex VersionPattern();

    // "libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)".
    [GeneratedRegex(@"(?:=>\s*|^\s*)(/\S+)\s+\(0x", RegexOptions.Multiline)]
    private static partial Regex LibraryPattern();
}
