using Spectre.Console;

namespace IngestHub.Cli;

/// <summary>The streams a command uses. Tables and progress go through Spectre consoles bound to these writers, so
/// the CLI runs the same in a terminal and in-process with captured output.</summary>
public sealed class CliConsole
{
    private readonly bool _outIsTerminal;

    public CliConsole(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        Out = stdout;
        Error = stderr;
        In = stdin;
        bool outIsTerminal = _outIsTerminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        ErrorIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected
            && Environment.GetEnvironmentVariable("CI") is null;
        Tables = Create(stdout, outIsTerminal);
        Status = Create(stderr, ErrorIsTerminal);
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }
    public TextReader In { get; }

    /// <summary>Whether live progress may be drawn on stderr (a terminal, not CI).</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>A table bordered for where stdout goes: box drawing in a terminal, ASCII for scripts and files.</summary>
    public Table NewTable() => new Table().Border(_outIsTerminal ? TableBorder.Rounded : TableBorder.Ascii);

    /// <summary>Spectre console on stdout, for tables.</summary>
    public IAnsiConsole Tables { get; }

    /// <summary>Spectre console on stderr, for live status.</summary>
    public IAnsiConsole Status { get; }

    private static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            // Redirected output is read by scripts: wide enough not to wrap.
            console.Profile.Width = 250;
        }
        return console;
    }
}
