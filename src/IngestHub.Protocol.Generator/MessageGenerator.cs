using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace IngestHub.Protocol.Generator;

/// <summary>
/// Turns every <c>*.api</c> additional file (message declarations, see <see cref="DeclarationParser"/>) into
/// codec classes, plus the catalog of flexible versions and message descriptions. A declaration error is a
/// compiler error pointing at the file and line.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MessageGenerator : IIncrementalGenerator
{
    private static readonly DiagnosticDescriptor BadDeclaration = new(
        "IHP001", "Bad message declaration", "{0}", "IngestHub.Protocol", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(file => file.Path.EndsWith(".api", StringComparison.OrdinalIgnoreCase))
            .Select((file, cancellationToken) => (Path: file.Path, Text: file.GetText(cancellationToken)?.ToString() ?? ""))
            .Collect();
        context.RegisterSourceOutput(files, Generate);
    }

    private static void Generate(SourceProductionContext context, ImmutableArray<(string Path, string Text)> files)
    {
        var apis = new List<ApiDeclaration>();
        foreach (var (path, text) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            string name = "Messages/Declarations/" + Path.GetFileName(path);
            try
            {
                var api = DeclarationParser.Parse(name, text);
                DeclarationRules.Check(api);
                apis.Add(api);
            }
            catch (DeclarationException ex)
            {
                var position = new LinePosition(Math.Max(0, ex.Line - 1), 0);
                var location = Location.Create(path, new TextSpan(0, 0), new LinePositionSpan(position, position));
                context.ReportDiagnostic(Diagnostic.Create(BadDeclaration, location, $"{ex.File}({ex.Line}): {ex.Message}"));
            }
        }
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var api in apis)
            foreach (var message in api.Messages)
            {
                if (!classes.Add(message.ClassName))
                {
                    context.ReportDiagnostic(Diagnostic.Create(BadDeclaration, Location.None, $"{api.File}: {message.ClassName} is declared twice"));
                    continue;
                }
                context.AddSource(message.ClassName + ".g.cs", SourceText.From(CodecEmitter.Emit(message), Encoding.UTF8));
            }
        context.AddSource("FlexibleVersions.g.cs", SourceText.From(CatalogEmitter.EmitFlexibleVersions(apis), Encoding.UTF8));
        context.AddSource("MessageCatalog.g.cs", SourceText.From(CatalogEmitter.EmitMessageCatalog(apis), Encoding.UTF8));
    }
}
