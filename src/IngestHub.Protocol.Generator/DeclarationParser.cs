using System;
using System.Collections.Generic;

namespace IngestHub.Protocol.Generator;

/// <summary>
/// Reads a message declaration file. The format, one item a line, nesting by two-space indentation:
/// <code>
/// api Produce key=0 versions=3-11 flexible=9+
/// request ProduceRequest                         # text after '#' documents the line's item
///   Acks int16
///   TransactionalId string 3+ null               # field: name, type, versions, then options
///   Topics [Topic]                               # an array of a struct declared by the lines below it
///     Name string
///     Partitions [int32]
///   Leader Leader 10+ tag=0                      # a tagged field (flexible versions only)
///     LeaderId int32 default=-1
/// </code>
/// Field versions default to all of the message's versions. Options: <c>null</c> (nullable in every version
/// of the field) or <c>null=5+</c>, <c>tag=N</c>, <c>default=V</c> (a C# literal). A struct type with no
/// lines below it refers to a struct of the same name declared elsewhere in the same message. A file
/// holds one <c>api</c> line and its <c>request</c> and <c>response</c>, or <c>data Name versions=… flexible=…</c>
/// messages that belong to no API.
/// </summary>
internal static class DeclarationParser
{
    private static readonly HashSet<string> Primitives = new(StringComparer.Ordinal)
    {
        "bool", "int8", "int16", "uint16", "int32", "int64", "float64", "string", "bytes", "records", "uuid", "error", "apikey",
    };

    private const string Namespace = "global::IngestHub.Protocol.Messages.";

    public static bool IsPrimitive(string type) => Primitives.Contains(type);

    public static ApiDeclaration Parse(string file, string text)
    {
        var api = new ApiDeclaration { File = file };
        var lines = text.Replace("\r\n", "\n").Split('\n');
        MessageDeclaration? message = null;
        // The struct owning each indentation depth: depth 1 = the message body.
        var owners = new List<StructDeclaration>();
        FieldDeclaration? previous = null;
        int previousDepth = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string raw = lines[i];
            string? doc = null;
            int hash = raw.IndexOf('#');
            if (hash >= 0)
            {
                doc = raw.Substring(hash + 1).Trim();
                raw = raw.Substring(0, hash);
            }
            if (raw.Trim().Length == 0)
                continue;
            int indent = 0;
            while (indent < raw.Length && raw[indent] == ' ')
                indent++;
            if (indent % 2 != 0)
                throw new DeclarationException(file, lineNumber, "indentation must be a multiple of two spaces");
            int depth = indent / 2;
            var tokens = raw.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (depth == 0)
            {
                previous = null;
                switch (tokens[0])
                {
                    case "api":
                        ParseApiLine(api, tokens, file, lineNumber);
                        break;
                    case "request":
                    case "response":
                    case "data":
                        if (tokens.Length < 2)
                            throw new DeclarationException(file, lineNumber, $"{tokens[0]} needs a class name");
                        message = new MessageDeclaration { Api = api, Kind = tokens[0], ClassName = tokens[1], Doc = doc };
                        message.Body = new StructDeclaration { Name = tokens[1], QualifiedName = Namespace + tokens[1], Doc = doc, Line = lineNumber };
                        if (tokens[0] == "data")
                            ParseOptions(api, tokens, 2, file, lineNumber);
                        else if (api.ApiName is null)
                            throw new DeclarationException(file, lineNumber, "the api line must come before its request and response");
                        api.Messages.Add(message);
                        owners.Clear();
                        owners.Add(message.Body);
                        break;
                    default:
                        throw new DeclarationException(file, lineNumber, $"expected api, request, response or data, not '{tokens[0]}'");
                }
                continue;
            }
            if (message is null)
                throw new DeclarationException(file, lineNumber, "a field outside any message");
            if (depth > owners.Count)
            {
                // Deeper than the previous field: that field's struct owns this line.
                if (previous is null || depth != previousDepth + 1 || DeclarationParser.IsPrimitive(previous.Type))
                    throw new DeclarationException(file, lineNumber, "unexpected indentation (only a struct or array-of-struct field has fields below it)");
                var nested = new StructDeclaration { Name = previous.Type, QualifiedName = Namespace + message.ClassName + "." + previous.Type, Doc = previous.Doc, Line = lineNumber };
                foreach (var existing in message.Structs)
                    if (existing.Name == nested.Name)
                        throw new DeclarationException(file, lineNumber, $"struct {nested.Name} is declared twice in {message.ClassName}");
                message.Structs.Add(nested);
                previous.Struct = nested;
                owners.Add(nested);
            }
            while (owners.Count > depth)
                owners.RemoveAt(owners.Count - 1);
            var field = ParseField(api, tokens, doc, file, lineNumber);
            owners[owners.Count - 1].Fields.Add(field);
            previous = field;
            previousDepth = depth;
        }
        if (api.Messages.Count == 0)
            throw new DeclarationException(file, 1, "no request, response or data message declared");
        foreach (var declared in api.Messages)
            Resolve(declared, declared.Body, file);
        return api;
    }

    private static void ParseApiLine(ApiDeclaration api, string[] tokens, string file, int line)
    {
        if (tokens.Length < 2)
            throw new DeclarationException(file, line, "api needs a name");
        api.ApiName = tokens[1];
        ParseOptions(api, tokens, 2, file, line);
        if (api.ApiKey < 0)
            throw new DeclarationException(file, line, "api needs key=N");
    }

    private static void ParseOptions(ApiDeclaration api, string[] tokens, int start, string file, int line)
    {
        bool versions = false;
        for (int t = start; t < tokens.Length; t++)
        {
            var (name, value) = Option(tokens[t], file, line);
            switch (name)
            {
                case "key":
                    if (!short.TryParse(value, out short key))
                        throw new DeclarationException(file, line, $"bad api key '{value}'");
                    api.ApiKey = key;
                    break;
                case "versions":
                    api.Versions = Range(value, file, line);
                    versions = true;
                    break;
                case "flexible":
                    api.Flexible = Range(value, file, line);
                    break;
                default:
                    throw new DeclarationException(file, line, $"unknown option '{name}'");
            }
        }
        if (!versions)
            throw new DeclarationException(file, line, "versions=… is required");
        if (api.Versions.Highest == VersionRange.Open)
            throw new DeclarationException(file, line, "a message's versions must be closed (e.g. 0-9)");
    }

    private static FieldDeclaration ParseField(ApiDeclaration api, string[] tokens, string? doc, string file, int line)
    {
        if (tokens.Length < 2)
            throw new DeclarationException(file, line, "a field needs a name and a type");
        var field = new FieldDeclaration { Name = tokens[0], Doc = doc, Line = line, Versions = VersionRange.All };
        string type = tokens[1];
        if (type.StartsWith("[", StringComparison.Ordinal))
        {
            if (!type.EndsWith("]", StringComparison.Ordinal))
                throw new DeclarationException(file, line, $"bad array type '{type}'");
            field.IsArray = true;
            type = type.Substring(1, type.Length - 2);
        }
        if (type.Length == 0)
            throw new DeclarationException(file, line, "empty type");
        if (type == "records" && field.IsArray)
            throw new DeclarationException(file, line, "records cannot be an array element");
        field.Type = type;
        int t = 2;
        if (t < tokens.Length && char.IsDigit(tokens[t][0]) || t < tokens.Length && tokens[t] == "none")
        {
            field.Versions = Range(tokens[t], file, line);
            t++;
        }
        for (; t < tokens.Length; t++)
        {
            if (tokens[t] == "null")
            {
                field.NullableVersions = field.Versions;
                continue;
            }
            var (name, value) = Option(tokens[t], file, line);
            switch (name)
            {
                case "null":
                    field.NullableVersions = Range(value, file, line);
                    break;
                case "tag":
                    if (!int.TryParse(value, out int tag) || tag < 0)
                        throw new DeclarationException(file, line, $"bad tag '{value}'");
                    field.Tag = tag;
                    break;
                case "default":
                    field.Default = value;
                    break;
                default:
                    throw new DeclarationException(file, line, $"unknown field option '{name}'");
            }
        }
        // Clip the open end to the message's versions so conditions stay simple.
        field.Versions = field.Versions.Intersect(api.Versions);
        field.NullableVersions = field.NullableVersions.Intersect(field.Versions);
        if (field.Versions.IsEmpty)
            throw new DeclarationException(file, line, $"field {field.Name} exists in none of the message's versions {api.Versions}");
        if (field.IsTagged && !api.Flexible.Covers(field.Versions))
            throw new DeclarationException(file, line, $"tagged field {field.Name} must exist only in flexible versions ({api.Flexible})");
        if (field.Type is "bool" or "int8" or "int16" or "uint16" or "int32" or "int64" or "float64" or "uuid" or "error" or "apikey"
            && !field.IsArray && field.IsNullable)
            throw new DeclarationException(file, line, $"a {field.Type} field cannot be nullable");
        return field;
    }

    private static void Resolve(MessageDeclaration message, StructDeclaration owner, string file)
    {
        foreach (var field in owner.Fields)
        {
            if (IsPrimitive(field.Type))
                continue;
            if (field.Struct is null)
            {
                foreach (var candidate in message.Structs)
                    if (candidate.Name == field.Type)
                        field.Struct = candidate;
                if (field.Struct is null)
                    throw new DeclarationException(file, field.Line, $"unknown type '{field.Type}' (declare its fields below the first field that uses it)");
                continue;
            }
            Resolve(message, field.Struct, file);
        }
    }

    private static (string Name, string Value) Option(string token, string file, int line)
    {
        int eq = token.IndexOf('=');
        if (eq <= 0)
            throw new DeclarationException(file, line, $"expected name=value, not '{token}'");
        return (token.Substring(0, eq), token.Substring(eq + 1));
    }

    private static VersionRange Range(string text, string file, int line) =>
        VersionRange.TryParse(text, out var range) ? range : throw new DeclarationException(file, line, $"bad version range '{text}'");
}

/// <summary>A declaration that does not parse; reported as a compiler error at its file and line.</summary>
internal sealed class DeclarationException : Exception
{
    public DeclarationException(string file, int line, string message) : base(message)
    {
        File = file;
        Line = line;
    }

    public string File { get; }
    public int Line { get; }
}
