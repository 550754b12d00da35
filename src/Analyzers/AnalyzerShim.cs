namespace ShardGen.Generator;

/// <summary>
/// The class the generator's parser, query parser and schema builder are nested in, declared here
/// without <c>[Generator]</c>: this assembly shares those sources but must not run the generator twice.
/// </summary>
public sealed partial class ShardGenGenerator
{
}
