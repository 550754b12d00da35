using Spectre.Console;
using ShardGen.Tool;

return await ShardGenCommand.RunAsync(args, AnsiConsole.Console);
