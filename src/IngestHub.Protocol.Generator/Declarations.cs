using System.Collections.Generic;

namespace IngestHub.Protocol.Generator;

/// <summary>One declaration file: an API (key, versions, first flexible version) and its request and response,
/// or a standalone data message.</summary>
internal sealed class ApiDeclaration
{
    public string File { get; set; } = "";
    /// <summary>The ApiKey member name; null for a data message.</summary>
    public string? ApiName { get; set; }
    public short ApiKey { get; set; } = -1;
    public VersionRange Versions { get; set; }
    public VersionRange Flexible { get; set; } = VersionRange.None;
    public List<MessageDeclaration> Messages { get; } = new();
}

internal sealed class MessageDeclaration
{
    public ApiDeclaration Api { get; set; } = null!;
    /// <summary>request, response or data.</summary>
    public string Kind { get; set; } = "";
    public string ClassName { get; set; } = "";
    public string? Doc { get; set; }
    public StructDeclaration Body { get; set; } = null!;
    /// <summary>Every nested struct, in order of first definition.</summary>
    public List<StructDeclaration> Structs { get; } = new();
}

internal sealed class StructDeclaration
{
    public string Name { get; set; } = "";
    /// <summary>The C# name that cannot be shadowed by a property: global::…Messages.Message.Struct.</summary>
    public string QualifiedName { get; set; } = "";
    public string? Doc { get; set; }
    public List<FieldDeclaration> Fields { get; } = new();
    public int Line { get; set; }
}

internal sealed class FieldDeclaration
{
    public string Name { get; set; } = "";
    /// <summary>A primitive type name, or a struct name.</summary>
    public string Type { get; set; } = "";
    public bool IsArray { get; set; }
    public VersionRange Versions { get; set; }
    public VersionRange NullableVersions { get; set; } = VersionRange.None;
    public int? Tag { get; set; }
    public string? Default { get; set; }
    public string? Doc { get; set; }
    public int Line { get; set; }
    /// <summary>The struct an array or struct field holds (resolved after parsing).</summary>
    public StructDeclaration? Struct { get; set; }

    public bool IsStruct => Struct is not null;
    public bool IsNullable => !NullableVersions.IsEmpty;
    public bool IsTagged => Tag.HasValue;
}
