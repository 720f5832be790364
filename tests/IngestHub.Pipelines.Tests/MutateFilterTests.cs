using IngestHub.Pipelines.Configuration;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class MutateFilterTests
{
    [Fact]
    public void Operations_run_in_logstash_order_not_config_order()
    {
        // Config lists lowercase before rename and add_field before convert; Logstash renames first, converts
        // before lowercasing, and adds fields last (so %{client.ip} sees the renamed field).
        var filter = Filter("mutate", """
            {"add_field":{"env":"prod","who":"%{[client][ip]}"},"lowercase":["verb"],"convert":{"response":"integer","bytes":"integer"},
             "rename":{"clientip":"client.ip"},"remove_field":["timestamp"],"strip":["agent"],"uppercase":["code"],
             "replace":{"kind":"%{verb}-request"},"add_tag":["web","%{env}"],"remove_tag":["raw"]}
            """);
        var e = Fields("""{"clientip":"10.0.0.1","verb":"GET","response":"404","bytes":"1.5e3","timestamp":"x","agent":"  curl  ","code":"abc","tags":["raw"]}""");
        filter.Apply(e);
        Assert.Equal("10.0.0.1", e.GetString("client.ip"));
        Assert.False(e.Has("clientip"));
        Assert.Equal("get", e.GetString("verb"));
        Assert.Equal(404, e.Get("response")!.GetValue<long>());
        Assert.Equal(1500, e.Get("bytes")!.GetValue<long>());
        Assert.False(e.Has("timestamp"));
        Assert.Equal("curl", e.GetString("agent"));
        Assert.Equal("ABC", e.GetString("code"));
        Assert.Equal("GET-request", e.GetString("kind"));
        Assert.Equal("prod", e.GetString("env"));
        Assert.Equal("10.0.0.1", e.GetString("who"));
        Assert.Equal(["web", "prod"], Tags(e));
    }

    [Theory]
    [InlineData("integer", "\"42\"", "42")]
    [InlineData("integer", "\"-7.9\"", "-7")]
    [InlineData("integer", "true", "1")]
    [InlineData("integer", "\"abc\"", "\"abc\"")]
    [InlineData("float", "\"3.25\"", "3.25")]
    [InlineData("float", "7", "7")]
    [InlineData("string", "12", "\"12\"")]
    [InlineData("string", "false", "\"false\"")]
    [InlineData("boolean", "\"yes\"", "true")]
    [InlineData("boolean", "\"F\"", "false")]
    [InlineData("boolean", "0", "false")]
    [InlineData("boolean", "\"maybe\"", "\"maybe\"")]
    [InlineData("integer", "[\"1\",\"2\"]", "[1,2]")]
    public void Convert_types(string type, string json, string expected)
    {
        var e = Fields($$"""{"v":{{json}}}""");
        Filter("mutate", "{\"convert\":{\"v\":\"" + type + "\"}}").Apply(e);
        Assert.Equal(expected, e.Get("v")!.ToJsonString());
    }

    [Fact]
    public void Add_field_to_existing_field_makes_an_array()
    {
        var e = Fields("""{"a":"one"}""");
        Filter("mutate", """{"add_field":{"a":"two"}}""").Apply(e);
        Assert.Equal("""["one","two"]""", e.Get("a")!.ToJsonString());
    }

    [Fact]
    public void Update_only_touches_existing_fields_and_copy_clones()
    {
        var e = Fields("""{"a":"x","obj":{"k":1}}""");
        Filter("mutate", """{"update":{"a":"y","missing":"z"},"copy":{"obj":"copy"}}""").Apply(e);
        Assert.Equal("y", e.GetString("a"));
        Assert.False(e.Has("missing"));
        e.Set("obj.k", 2);
        Assert.Equal(1, e.Get("copy.k")!.GetValue<int>());
    }

    [Fact]
    public void Gsub_replaces_by_regex_in_strings_and_arrays()
    {
        var e = Fields("""{"path":"a/b\\c","list":["x-1","y-2"]}""");
        Filter("mutate", """{"gsub":["path","[\\\\/]","_","list","-\\d",""]}""").Apply(e);
        Assert.Equal("a_b_c", e.GetString("path"));
        Assert.Equal("""["x","y"]""", e.Get("list")!.ToJsonString());
    }

    [Fact]
    public void Rename_into_metadata_hides_the_field()
    {
        var e = Fields("""{"secret":"s"}""");
        Filter("mutate", """{"rename":{"secret":"[@metadata][secret]"}}""").Apply(e);
        Assert.False(e.Has("secret"));
        Assert.Equal("s", e.GetString("@metadata.secret"));
    }

    [Theory]
    [InlineData("""{"convert":{"a":"date"}}""", "filters[0].mutate.convert.a: unknown type date")]
    [InlineData("""{"gsub":["a","b"]}""", "filters[0].mutate.gsub: must be [field, pattern, replacement, ...]")]
    [InlineData("""{"gsub":["a","(","x"]}""", "filters[0].mutate.gsub: invalid regular expression")]
    [InlineData("""{"rename":{"a..b":"c"}}""", "filters[0].mutate.rename.a..b: invalid field reference")]
    [InlineData("""{"lowercase":"a","split":{"a":","}}""", "filters[0].mutate.split: unknown key")]
    [InlineData("""{"rename":"a"}""", "filters[0].mutate.rename: must be an object")]
    public void Invalid_settings_name_the_key(string settings, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => Filter("mutate", settings));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }
}
