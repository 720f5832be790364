using System.Collections.Generic;

namespace IngestHub.Protocol.Generator;

/// <summary>Checks that a parsed declaration yields compilable, unambiguous C#.</summary>
internal static class DeclarationRules
{
    private static readonly HashSet<string> Reserved = new() { "ApiKey", "MinVersion", "MaxVersion", "FirstFlexibleVersion", "Read", "Write" };

    public static void Check(ApiDeclaration api)
    {
        foreach (var message in api.Messages)
        {
            var structNames = new HashSet<string>();
            foreach (var s in message.Structs)
            {
                structNames.Add(s.Name);
                if (s.Name == message.ClassName)
                    throw new DeclarationException(api.File, s.Line, $"struct {s.Name} has the message's own name");
            }
            CheckFields(api, message.Body, structNames, top: true);
            foreach (var s in message.Structs)
                CheckFields(api, s, structNames, top: false);
        }
    }

    private static void CheckFields(ApiDeclaration api, StructDeclaration owner, HashSet<string> structNames, bool top)
    {
        var names = new HashSet<string>();
        var tags = new HashSet<int>();
        foreach (var field in owner.Fields)
        {
            if (!names.Add(field.Name))
                throw new DeclarationException(api.File, field.Line, $"field {field.Name} is declared twice in {owner.Name}");
            if (field.Name == owner.Name || (top && structNames.Contains(field.Name)) || Reserved.Contains(field.Name) && top || field.Name is "Read" or "Write")
                throw new DeclarationException(api.File, field.Line, $"field name {field.Name} collides with a type or member name in {owner.Name}");
            if (field.Tag is int tag && !tags.Add(tag))
                throw new DeclarationException(api.File, field.Line, $"tag {tag} is used twice in {owner.Name}");
        }
    }
}
