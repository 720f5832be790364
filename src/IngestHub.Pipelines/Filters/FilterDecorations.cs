using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>Logstash's common options, applied after a filter succeeded, in Logstash's order: add_field,
/// remove_field, add_tag, remove_tag. Names and values may use <c>%{field}</c>.</summary>
public sealed class FilterDecorations
{
    public static readonly string[] Keys = ["add_field", "remove_field", "add_tag", "remove_tag"];

    private readonly (EventFormatter Field, EventFormatter Value)[] _addField;
    private readonly EventFormatter[] _removeField;
    private readonly EventFormatter[] _addTag;
    private readonly EventFormatter[] _removeTag;

    public FilterDecorations(SettingsReader s)
    {
        var add = s.StringMap("add_field");
        _addField = new (EventFormatter, EventFormatter)[add.Count];
        for (int i = 0; i < add.Count; i++)
            _addField[i] = (EventFormatter.Compile(add[i].Key), EventFormatter.Compile(add[i].Value));
        _removeField = Compile(s.StringList("remove_field"));
        _addTag = Compile(s.StringList("add_tag"));
        _removeTag = Compile(s.StringList("remove_tag"));
    }

    public bool IsEmpty => _addField.Length + _removeField.Length + _addTag.Length + _removeTag.Length == 0;

    public void Apply(LogEvent e)
    {
        foreach (var (fieldFormat, valueFormat) in _addField)
        {
            if (!FieldReference.TryParse(fieldFormat.Format(e), out var field))
                continue;
            var value = valueFormat.Format(e);
            // Adding to an existing field makes it an array, as in Logstash.
            switch (e.Get(field))
            {
                case null:
                    e.Set(field, value);
                    break;
                case JsonArray array:
                    array.Add(value);
                    break;
                case var existing:
                    e.Set(field, new JsonArray(existing.DeepClone(), value));
                    break;
            }
        }
        foreach (var f in _removeField)
            if (FieldReference.TryParse(f.Format(e), out var field))
                e.Remove(field);
        foreach (var t in _addTag)
            e.AddTag(t.Format(e));
        foreach (var t in _removeTag)
            e.RemoveTag(t.Format(e));
    }

    private static EventFormatter[] Compile(IReadOnlyList<string> templates)
    {
        var result = new EventFormatter[templates.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = EventFormatter.Compile(templates[i]);
        return result;
    }
}
