using Spectre.Console;

namespace ShardGen.Tool;

internal static class Program
{
    public static Task<int> Main(string[] args) => ShardGenCommand.RunAsync(args, AnsiConsole.Console);
}
